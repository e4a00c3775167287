"""Which figures of which mart are protected, and how to read them back as cells.

Each `ProtectedFigures` describes one kind of estimate in one mart: the public count its
threshold applies to, the flag that marks it withheld, the estimate columns emptied with it,
and the numerators an attacker would be after (`Numerator`: a published estimate turned back
into a count, `(estimate − offset) × count`). Figures of one *family* (one indicator, one
question) share one pattern; the options of a question are several numerators of one family.

Both sides read the marts through these declarations: the pattern search (on the true,
unrounded figures, before anything is withheld) and the auditor (on the published, rounded
ones). So what is protected and what is audited cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

# Estimates are rounded at publication (INDICATORS.md does not fix a precision): shares,
# rates and interval bounds to 4 decimals (0.01 percentage point), mean scores to 3,
# effective sample sizes to 1. Rounding makes nightly exports byte-stable, and the auditor
# takes it into account (a published 0.3333 means anything within ±0.00005).
SHARE_DECIMALS = 4
SCORE_DECIMALS = 3
N_EFF_DECIMALS = 1
# Sums of doubles computed in parallel differ in their last bits between two runs (a weighted
# mean of 118/32 comes out 3.68749999999 or 3.68750000001), which would round a value lying
# exactly on a half (3.6875) either way. Estimates are therefore taken to this many decimals
# first, as a DECIMAL, which absorbs that noise, then rounded in decimal to their published
# precision: halves go away from zero even where the double is a hair below the half
# (0.06125 is stored as 0.061249999…, and rounding the double would give 0.0612).
NOISE_DECIMALS = 9


def published_round(expression: str, decimals: int | str) -> str:
    """SQL rounding `expression` as published: the sums' last-bit noise absorbed first, then
    to `decimals` (halves away from zero, in decimal), identical in every run. The SQL
    macro `published_round` of `pipeline/sql/macros.sql` is this expression."""
    return (f"(case when isfinite({expression}) then round(({expression})::decimal(38, "
            f"{NOISE_DECIMALS}), {decimals})::double else {expression} end)")

GEOGRAPHY = ("geography_level", "geography_code")
GROUP = ("breakdown", "group_key")

# In a commune, a pair of dimensions splits about 200 respondents into up to 9 groups, most
# of them below the threshold; protecting the few large ones would hide most of the rest and
# cost far more elsewhere. Pair breakdowns are published for provinces and the region.
COMMUNE_PAIRS = ("geography_level = 'commune' and breakdown like '%,%' "
                 "and breakdown not like '%commune_type%'")
UNPUBLISHED_REASON = "commune_pair"


@dataclass(frozen=True)
class Numerator:
    """A count hidden behind an estimate: `(estimate − offset) × count`, between 0 and
    `span` × count (a share: offset 0, span 1; a mean of 1–5 scores: offset 1, span 4)."""

    name: str
    estimate: str
    decimals: int = SHARE_DECIMALS
    offset: float = 0.0
    span: float = 1.0


@dataclass(frozen=True)
class ProtectedFigures:
    """One kind of estimate of one mart and how it is withheld."""

    table: str
    family: tuple[str, ...]
    count: str
    flag: str
    reason: str | None
    estimates: tuple[str, ...]
    numerators: tuple[Numerator, ...]
    # A column whose values are separate numerators of one family (the options of a
    # question): each (option, numerator) is audited, one pattern covers them all.
    option: str | None = None
    # Counts that would give a hidden estimate away (the number citing an option).
    withheld_counts: tuple[str, ...] = ()
    # Unweighted and weighted rows (`estimate_type`); province and region weighted rows
    # are withheld whenever a commune beneath is (`weighted_rows_hidden`).
    weighted: bool = True
    scope: str = "true"
    # Cells that never publish these estimates (commune × pair of dimensions): withheld
    # by design, reason `commune_pair`; still unknowns of every sum, and protected like any
    # other when they rest on fewer people than the threshold.
    unpublished: str = "false"

    @property
    def key(self) -> tuple[str, ...]:
        return (*self.family, *GEOGRAPHY, *GROUP)


SURVEY_INDICATORS = ProtectedFigures(
    table="mart_survey_indicators",
    family=("indicator",),
    count="n_rated",
    flag="suppressed",
    reason="suppression",
    estimates=("mean_score", "satisfied_share", "ci_low", "ci_high"),
    numerators=(
        Numerator("satisfied", "satisfied_share"),
        Numerator("score", "mean_score", decimals=SCORE_DECIMALS, offset=1.0, span=4.0),
    ),
    unpublished=COMMUNE_PAIRS,
)
SERVICE_USAGE = ProtectedFigures(
    table="mart_survey_indicators",
    family=("indicator",),
    count="n_use_answered",
    flag="usage_suppressed",
    reason=None,
    estimates=("usage_rate",),
    numerators=(Numerator("used", "usage_rate"),),
    scope="n_use_answered is not null",
    unpublished=COMMUNE_PAIRS,
)
def survey_options(multi_select: list[str], single_choice: list[str]
                   ) -> tuple[ProtectedFigures, ...]:
    """Shares citing each option. A respondent may cite several options of a multi-select
    question, so each option is a family of its own; the options of a single-choice
    question add up to its respondents, so they share one pattern."""
    common = ProtectedFigures(
        table="mart_survey_options",
        family=("question",),
        count="n_respondents",
        flag="suppressed",
        reason="suppression",
        estimates=("share", "ci_low", "ci_high", "rank"),
        numerators=(Numerator("citing", "share"),),
        withheld_counts=("n_citing",),
        unpublished=COMMUNE_PAIRS,
    )
    kinds = []
    if multi_select:
        kinds.append(replace(common, family=("question", "option"),
                             scope=_among("question", multi_select)))
    if single_choice:
        kinds.append(replace(common, family=("question",), option="option",
                             scope=_among("question", single_choice)))
    return tuple(kinds)


def _among(column: str, values: list[str]) -> str:
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"{column} in ({quoted})"


def participation_categories(categories: list[str]) -> ProtectedFigures:
    """Shares of each participant category among attendances (categories come from the
    register template at run time)."""
    return ProtectedFigures(
        table="mart_participation",
        family=(),
        count="attendances",
        flag="categories_suppressed",
        reason=None,
        estimates=tuple(f"share_{c}" for c in categories),
        numerators=tuple(Numerator(c, f"share_{c}") for c in categories),
        weighted=False,
    )


def read_cells(con: duckdb.DuckDBPyConnection, figures: ProtectedFigures,
               *, published: bool) -> pd.DataFrame:
    """One row per cell (family, geography, group; option when there are options) with the
    public count, each numerator's lower and upper value, the withheld flag and its reason.

    Before publication (`published=False`) the estimates are exact and unrounded: a
    numerator is a whole number. In the published tables it is known within the rounding of
    its estimate, and unknown (NULL) where withheld; so is a withheld count.
    """
    option = [figures.option] if figures.option else []
    keys = [*figures.key, *option]
    columns = []
    for numerator in figures.numerators:
        value = f"({numerator.estimate} - {numerator.offset})::double * {figures.count}"
        half = f"{0.5 * 10.0 ** -numerator.decimals} * {figures.count}"
        if published:
            columns += [f"{value} - {half} as {numerator.name}__low",
                        f"{value} + {half} as {numerator.name}__high"]
        else:
            columns += [f"round({value}) as {numerator.name}__low",
                        f"round({value}) as {numerator.name}__high"]
    weighted = "and estimate_type = 'unweighted'" if figures.weighted else ""
    reason = figures.reason or "null"
    query = f"""
        select {", ".join(keys)}, {figures.count}::double as count,
               {figures.flag} as hidden, {reason} as reason,
               ({figures.unpublished}) as unpublished, {", ".join(columns)}
        from {figures.table}
        where ({figures.scope}) {weighted}
        order by all
    """
    return con.sql(query).df()


def weighted_cells(con: duckdb.DuckDBPyConnection, figures: ProtectedFigures) -> pd.DataFrame:
    """The published weighted province and region rows (the auditor's extra equations)."""
    option = [figures.option] if figures.option else []
    columns = [f"{n.estimate} as {n.name}" for n in figures.numerators]
    return con.sql(f"""
        select {", ".join([*figures.key, *option])}, {", ".join(columns)}
        from {figures.table}
        where estimate_type = 'weighted' and geography_level <> 'commune'
          and not {figures.flag} and ({figures.scope})
        order by all
    """).df()


def family_frames(cells: pd.DataFrame, figures: ProtectedFigures
                  ) -> Iterator[tuple[tuple[object, ...], pd.DataFrame]]:
    """The cells of each family, in a stable order."""
    if not figures.family:
        yield (), cells.reset_index(drop=True)
        return
    for key, frame in cells.groupby(list(figures.family), sort=True):
        yield (key if isinstance(key, tuple) else (key,)), frame.reset_index(drop=True)


def cells_of(frame: pd.DataFrame, figures: ProtectedFigures) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct cells of a family (geography × group) and each row's cell number."""
    keys = [*GEOGRAPHY, *GROUP]
    cells = frame[keys].drop_duplicates().reset_index(drop=True)
    index = frame[keys].merge(cells.reset_index(), on=keys, how="left")["index"].to_numpy()
    return cells, index


# How each published estimate is rounded (columns not listed keep their value). Shares of
# participation (`share_<category>`) follow the pattern `share_*`.
PUBLISHED_PRECISION: dict[str, dict[str, int]] = {
    "mart_survey_indicators": {
        "usage_rate": SHARE_DECIMALS, "satisfied_share": SHARE_DECIMALS,
        "ci_low": SHARE_DECIMALS, "ci_high": SHARE_DECIMALS,
        "mean_score": SCORE_DECIMALS, "n_eff": N_EFF_DECIMALS,
    },
    "mart_survey_options": {
        "share": SHARE_DECIMALS, "ci_low": SHARE_DECIMALS, "ci_high": SHARE_DECIMALS,
    },
    "mart_equity_gaps": {
        "share_a": SHARE_DECIMALS, "share_b": SHARE_DECIMALS, "gap": SHARE_DECIMALS,
        "ci_low": SHARE_DECIMALS, "ci_high": SHARE_DECIMALS,
    },
    "mart_participation": {"share_*": SHARE_DECIMALS},
    "mart_targets": {"target": SHARE_DECIMALS, "actual": SHARE_DECIMALS},
}


def round_estimates(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Round `table`'s estimates to their published precision, in place, whatever the order
    their rows were summed in (`published_round`: a night that reads one new export adds its
    rows after the others, and 11/32 = 0.34375 must not round up one night, down the next)."""
    precision = PUBLISHED_PRECISION.get(table)
    if not precision:
        return
    columns = [name for (name,) in con.execute(
        "select column_name from information_schema.columns where table_name = ? "
        "order by ordinal_position", [table]).fetchall()]
    assignments = []
    for column in columns:
        decimals = precision.get(column)
        if decimals is None and column.startswith("share_"):
            decimals = precision.get("share_*")
        if decimals is not None:
            assignments.append(f"{column} = {published_round(column, decimals)}")
    if assignments:
        con.execute(f"update {table} set {', '.join(assignments)}")
