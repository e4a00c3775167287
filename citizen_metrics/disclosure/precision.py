"""How precisely each estimate is published, and what a rounded figure tells a reader.

Every rounding of a published estimate is decided here, once (docs/methodology.md §5 leaves the
precision to the project). The choice follows the uncertainty of the figures, not the
arithmetic:

- **shares, rates and their interval bounds** (satisfied share, usage rate, option shares,
  equity gaps) of provinces and the region, weighted or not: to a whole percentage point
  (2 decimals of a share). These are the figures the programme reports first; the
  narrowest of their intervals (the region's total, about 8,000 ratings) spans about ±1
  point, a province's ±3 to ±8, and the report reads whole percentages. A tenth of a point
  (published until December 2026) said nothing more about the population and made every
  such share on fewer than 1,000 ratings an exact count of people: a province's `unknown`
  group of 4 ratings was then its total less its published groups, exactly, and one of the
  province's headline figures had to be withheld to protect it (41 of the 70 provinces'
  disability lines). At a whole point a province's share on 1,500 ratings leaves a reader
  15 whole values of its numerator, which protects such a group by itself. A weighted
  figure is the only published figure whose sum has coefficients other than 1 (the
  communes' public weights): rounded finely, it lets a reader try every whole number of
  satisfied people in a few suppressed communes and keep the single combination that
  reproduces it; rounded to a point, many combinations do (where they do not, the search
  withholds it: `protection.pinned_weighted`).
- **a commune's shares** (both estimate types: a commune has one weight, its weighted rows
  repeat the others): to 3 decimals, a tenth of a point, as before. Their intervals span ±7
  points or more, so a whole point would do as well for the reader; but rounded to a point
  a commune's published figures leave the search more room than it uses well (measured on
  the demo night: more figures withheld at every level, and the search twice as long), so
  they keep the finer rounding until the search does.
- **workshop participation shares and targets**: to 3 decimals at every level (their counts
  are published beside them; nothing is gained by rounding the shares coarser).
- **mean scores** (1–5): to 1 decimal for provinces and the region, 2 for a commune (their
  intervals span ±0.1 or more), for the same reasons.
- **effective sample sizes**: to 1 decimal (they only qualify an interval).

Sums of doubles computed in parallel differ in their last bits between runs (a weighted mean
of 120/32 comes out 3.74999999999 or 3.75000000001), which would round a value lying exactly
on a half either way. Estimates are therefore first taken to `NOISE_DECIMALS` as a DECIMAL,
which absorbs that noise, then rounded in decimal, halves away from zero even where the
double is a hair below the half (0.145 is stored as 0.144999999…).

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
# Provinces and the region (weighted or not), then a commune's rows.
SHARE_DECIMALS = 2
COMMUNE_SHARE_DECIMALS = 3
SCORE_DECIMALS = 1
COMMUNE_SCORE_DECIMALS = 2
# Workshop participation shares and targets, at every level.
PARTICIPATION_SHARE_DECIMALS = 3
N_EFF_DECIMALS = 1


@dataclass(frozen=True)
class Precision:
    """Decimals of one estimate column: for provinces and the region, and for a commune's
    rows where they differ (`commune`)."""

    decimals: int
    commune: int | None = None
    # "down" or "up" for interval bounds (rounded outwards); halves away from zero otherwise.
    direction: str = "nearest"

    def at(self, geography_level: str) -> int:
        """The decimals of a row of `geography_level`."""
        if geography_level == "commune" and self.commune is not None:
            return self.commune
        return self.decimals

    def at_levels(self, levels: np.ndarray) -> np.ndarray:
        """The decimals of rows of these geography levels."""
        commune = self.decimals if self.commune is None else self.commune
        return np.where(np.asarray(levels) == "commune", commune, self.decimals)


SHARE = Precision(SHARE_DECIMALS, COMMUNE_SHARE_DECIMALS)
SHARE_LOW = Precision(SHARE_DECIMALS, COMMUNE_SHARE_DECIMALS, "down")
SHARE_HIGH = Precision(SHARE_DECIMALS, COMMUNE_SHARE_DECIMALS, "up")
SCORE = Precision(SCORE_DECIMALS, COMMUNE_SCORE_DECIMALS)
PARTICIPATION_SHARE = Precision(PARTICIPATION_SHARE_DECIMALS)

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
        "share_a": SHARE, "share_b": SHARE, "gap": SHARE, "ci_low": SHARE_LOW,
        "ci_high": SHARE_HIGH,
    },
    MART_PARTICIPATION.name: {"share_*": PARTICIPATION_SHARE},
    MART_TARGETS.name: {"target": PARTICIPATION_SHARE, "actual": PARTICIPATION_SHARE},
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


def rounding_sql(column: str, precision: Precision, level_rows: bool) -> str:
    """`column` rounded as published, by geography level where the table has one."""
    direction = precision.direction
    if precision.commune is None or not level_rows:
        return published_round(column, precision.decimals, direction)
    return (f"case when geography_level = 'commune' "
            f"then {published_round(column, precision.commune, direction)} "
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
    level_rows = "geography_level" in columns
    assignments = []
    for column in columns:
        precision = column_precision(table, column)
        if precision is not None:
            assignments.append(f"{column} = {rounding_sql(column, precision, level_rows)}")
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
