"""How precisely each estimate is published, and what a rounded figure tells a reader.

Every rounding of a published estimate is decided here, once (docs/methodology.md §5 leaves the
precision to the project). The choice follows the uncertainty of the figures, not the
arithmetic:

- **shares, rates and their interval bounds** (satisfied share, usage rate, option shares,
  participation shares, equity gaps): to 3 decimals, a tenth of a percentage point. The
  narrowest interval the programme publishes (the region's total, about 8,000 ratings)
  spans about ±1 point, a province's ±3 to ±8 points, a commune's ±7 points or more: a
  tenth of a point is ten times finer than the most precise of them, and the finest figure
  the report shows (33.2 %). A fourth decimal said nothing more about the population and
  narrowed what a reader could work out about suppressed figures.
- **weighted shares and rates** of provinces and the region: to 2 decimals, a whole
  percentage point. Their intervals span ±2 to ±8 points (Kish's effective sizes are a
  third to a half of the ratings), so a whole point is still finer than their uncertainty.
  A weighted figure is the only published figure whose sum has coefficients other than 1
  (the communes' public weights): rounded finely, it lets a reader try every whole number
  of satisfied people in a few suppressed communes and keep the single combination that
  reproduces it. Rounded to a point, many combinations do.
- **mean scores** (1–5): to 2 decimals unweighted, 1 decimal weighted (their intervals span
  ±0.1 or more), for the same reasons.
- **effective sample sizes**: to 1 decimal (they only qualify an interval).

Sums of doubles computed in parallel differ in their last bits between runs (a weighted mean
of 118/32 comes out 3.68749999999 or 3.68750000001), which would round a value lying exactly
on a half either way. Estimates are therefore first taken to `NOISE_DECIMALS` as a DECIMAL,
which absorbs that noise, then rounded in decimal, halves away from zero even where the
double is a hair below the half (0.06125 is stored as 0.061249999…).

Intervals (Wilson, Newcombe) and equity gaps are computed from the shares *as published*: a
bound rounded on its own would be one more window on the share it is an increasing function
of, and three overlapping windows can pin a share far more narrowly than its own rounding.
Computed from the published share, they say nothing a reader could not work out from it.
The difference with intervals from unrounded shares is below the last published digit.
Interval bounds are rounded outwards (the lower bound down, the upper one up): a rounded
interval still covers what the unrounded one covers.

`published_band` is the reader's side of the rule: the values an estimate can have had
before it was rounded. The pattern search and the auditor both read published figures
through it, so what is protected and what is audited use one arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import numpy as np

from citizen_metrics.tables.marts import (
    MART_EQUITY_GAPS,
    MART_PARTICIPATION,
    MART_SURVEY_INDICATORS,
    MART_SURVEY_OPTIONS,
    MART_TARGETS,
)

NOISE_DECIMALS = 9
SHARE_DECIMALS = 3
WEIGHTED_SHARE_DECIMALS = 2
SCORE_DECIMALS = 2
WEIGHTED_SCORE_DECIMALS = 1
N_EFF_DECIMALS = 1


@dataclass(frozen=True)
class Precision:
    """Decimals of one estimate column: unweighted rows (and tables without weights), and
    weighted rows (`estimate_type = 'weighted'`) where they differ."""

    decimals: int
    weighted: int | None = None
    # "down" or "up" for interval bounds (rounded outwards); halves away from zero otherwise.
    direction: str = "nearest"

    def for_type(self, estimate_type: str) -> int:
        if estimate_type == "weighted" and self.weighted is not None:
            return self.weighted
        return self.decimals


SHARE = Precision(SHARE_DECIMALS, WEIGHTED_SHARE_DECIMALS)
SHARE_LOW = Precision(SHARE_DECIMALS, WEIGHTED_SHARE_DECIMALS, "down")
SHARE_HIGH = Precision(SHARE_DECIMALS, WEIGHTED_SHARE_DECIMALS, "up")
SCORE = Precision(SCORE_DECIMALS, WEIGHTED_SCORE_DECIMALS)

# Every rounded column of every published table. Columns not listed keep their value (counts,
# flags). Participation's shares (`share_<category>`) follow the pattern `share_*`.
PUBLISHED_PRECISION: Mapping[str, Mapping[str, Precision]] = {
    MART_SURVEY_INDICATORS.name: {
        "usage_rate": SHARE, "satisfied_share": SHARE, "ci_low": SHARE_LOW,
        "ci_high": SHARE_HIGH,
        "mean_score": SCORE, "n_eff": Precision(N_EFF_DECIMALS),
    },
    MART_SURVEY_OPTIONS.name: {"share": SHARE, "ci_low": SHARE_LOW, "ci_high": SHARE_HIGH},
    MART_EQUITY_GAPS.name: {
        "share_a": Precision(SHARE_DECIMALS), "share_b": Precision(SHARE_DECIMALS),
        "gap": Precision(SHARE_DECIMALS), "ci_low": Precision(SHARE_DECIMALS, None, "down"),
        "ci_high": Precision(SHARE_DECIMALS, None, "up"),
    },
    MART_PARTICIPATION.name: {"share_*": Precision(SHARE_DECIMALS)},
    MART_TARGETS.name: {"target": Precision(SHARE_DECIMALS), "actual": Precision(SHARE_DECIMALS)},
}


def published_round(expression: str, decimals: int | str, direction: str = "nearest") -> str:
    """SQL rounding `expression` as published: the sums' last-bit noise absorbed first, then
    to `decimals` (halves away from zero, in decimal; or `down`, `up` for an interval's
    bounds), identical in every run. The SQL macro `published_round` of
    `citizen_metrics/build/sql/duckdb_macros.sql` is the nearest rounding."""
    exact = f"({expression})::decimal(38, {NOISE_DECIMALS})"
    if direction == "nearest":
        rounded = f"round({exact}, {decimals})::double"
    else:
        # Scaled in decimal (a double 0.14 * 100 is 14.000000000000002, whose ceiling is 15).
        function = {"down": "floor", "up": "ceil"}[direction]
        scale = 10 ** int(decimals)
        rounded = f"({function}({exact} * {scale}) / {scale})::double"
    return f"(case when isfinite({expression}) then {rounded} else {expression} end)"


def rounding_sql(column: str, precision: Precision, weighted_rows: bool) -> str:
    """`column` rounded as published, by estimate type where the table has one."""
    direction = precision.direction
    if precision.weighted is None or not weighted_rows:
        return published_round(column, precision.decimals, direction)
    return (f"case when estimate_type = 'weighted' "
            f"then {published_round(column, precision.weighted, direction)} "
            f"else {published_round(column, precision.decimals, direction)} end")


def column_precision(table: str, column: str) -> Precision | None:
    """The precision `column` of `table` is published with, if it is rounded."""
    precision = PUBLISHED_PRECISION.get(table, {})
    found = precision.get(column)
    if found is None and column.startswith("share_"):
        found = precision.get("share_*")
    return found


def round_estimates(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Round `table`'s estimates to their published precision, in place, whatever the order
    their rows were summed in (`published_round`: a night that reads one new export adds its
    rows after the others, and 11/32 = 0.34375 must not round up one night, down the next)."""
    columns = [name for (name,) in con.execute(
        "select column_name from information_schema.columns where table_name = ? "
        "order by ordinal_position", [table]).fetchall()]
    weighted_rows = "estimate_type" in columns
    assignments = []
    for column in columns:
        precision = column_precision(table, column)
        if precision is not None:
            assignments.append(f"{column} = {rounding_sql(column, precision, weighted_rows)}")
    if assignments:
        con.execute(f"update {table} set {', '.join(assignments)}")


def half_unit(decimals: int | np.ndarray) -> np.ndarray:
    """Half of the last published digit: how far the unrounded value may lie from it."""
    return 0.5 * np.power(10.0, -np.asarray(decimals, dtype=float))


def published_band(estimate: np.ndarray, decimals: np.ndarray | int, *,
                   upper: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The values an estimate published as `estimate` (rounded to `decimals`) can have had,
    between 0 and `upper` (NaN where nothing is published). Interval bounds add nothing to
    it: they are computed from the share as published (`interval_of_published`)."""
    estimate = np.asarray(estimate, dtype=float)
    # Never narrower than the rounding: a value on a half rounds either way as a double,
    # and the weighted sums behind it carry their own last-bit errors.
    half = half_unit(decimals) + 1e-7
    return np.clip(estimate - half, 0.0, upper), np.clip(estimate + half, 0.0, upper)
