"""Which figures of which mart are protected, and how to read them back as cells.

Each `ProtectedFigures` describes one kind of estimate in one mart: the public count its
threshold applies to, the flag that marks it suppressed, the estimate columns emptied with it,
and the numerators an attacker would be after (`Numerator`: a published estimate turned back
into a count, `(estimate − offset) × count`). Figures of one *family* (one indicator, one
question) share one pattern; the options of a question are several numerators of one family.

Both sides read the marts through these declarations: the pattern search (on the true,
unrounded figures, before anything is suppressed) and the auditor (on the published, rounded
ones). So what is protected and what is audited cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from citizen_metrics.disclosure.precision import column_precision, published_band, published_round
from citizen_metrics.tables.marts import (
    MART_PARTICIPATION,
    MART_SURVEY_INDICATORS,
    MART_SURVEY_OPTIONS,
)

GEOGRAPHY = ("geography_level", "geography_code")
GROUP = ("breakdown", "group_key")

# In a commune, a pair of dimensions splits about 200 respondents into up to 9 groups, most
# of them below the threshold; protecting the few large ones would hide most of the rest and
# cost far more elsewhere. Pair breakdowns are published for provinces and the region.
# A commune's figures by survey round are not published either: the period is for the
# provinces and the region (a commune's few hundred respondents split in rounds and groups
# would be mostly below the threshold).
COMMUNE_PAIRS = ("geography_level = 'commune' and ((breakdown like '%,%' "
                 "and breakdown not like '%commune_type%') or breakdown like '%survey_round%')")
UNPUBLISHED_REASON = "commune_pair"
# A province's or the region's weighted figure for a pair of dimensions is a weighted sum of
# commune pairs that are never published: published, it would tie unpublished figures by
# equations with public weights, to protect at the cost of the communes' own figures. Pairs
# are published unweighted at province and region level; crossed with the commune type
# (a sum of the communes' own figures), they are published weighted too.
# The same holds for a province's or the region's weighted figure by survey round (a weighted
# sum of the communes' figures by round, never published): the period is published unweighted.
WEIGHTED_PAIR_REASON = "weighted_pair"
WEIGHTED_PAIRS = ("geography_level <> 'commune' and ((breakdown like '%,%' "
                  "and breakdown not like '%commune_type%') or breakdown like '%survey_round%')")
# A province's or the region's figures by round where fewer than two rounds rest on enough
# people (`families.single_round`): the one round that does is the total less a few people.
SINGLE_ROUND_REASON = "single_round"


@dataclass(frozen=True)
class Numerator:
    """A count hidden behind an estimate: `(estimate − offset) × count`, between 0 and
    `span` × count (a share: offset 0, span 1; a mean of 1–5 scores: offset 1, span 4)."""

    name: str
    estimate: str
    offset: float = 0.0
    span: float = 1.0

    def band(self, estimate: np.ndarray, decimals: int, total: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
        """The numerators an estimate published as `estimate` (rounded to `decimals`) on
        `total` people (or weighted people) can stand for."""
        low, high = published_band(np.asarray(estimate, float) - self.offset, decimals,
                                   upper=self.span)
        total = np.asarray(total, dtype=float)
        return low * total, high * total


@dataclass(frozen=True)
class ProtectedFigures:
    """One kind of estimate of one mart and how it is suppressed."""

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
    # Unweighted and weighted rows (`estimate_type`): a province's or the region's weighted
    # figures are figures of their own, protected with the rest (`model.WeightedFigures`);
    # a commune's are its unweighted ones (one weight per commune).
    weighted: bool = True
    scope: str = "true"
    # Cells that never publish these estimates (commune × pair of dimensions): suppressed
    # by design, reason `commune_pair`; still unknowns of every sum, and protected like any
    # other when they rest on fewer people than the threshold.
    unpublished: str = "false"

    @property
    def key(self) -> tuple[str, ...]:
        return (*self.family, *GEOGRAPHY, *GROUP)

    def decimals(self, numerator: Numerator, estimate_type: str) -> int:
        """How many decimals `numerator`'s estimate is published with."""
        precision = column_precision(self.table, numerator.estimate)
        if precision is None:
            raise KeyError(f"{self.table}.{numerator.estimate} has no published precision")
        return precision.for_type(estimate_type)


SURVEY_INDICATORS = ProtectedFigures(
    table=MART_SURVEY_INDICATORS.name,
    family=("indicator",),
    count="n_rated",
    flag="suppressed",
    reason="suppression",
    estimates=("mean_score", "satisfied_share", "ci_low", "ci_high"),
    numerators=(
        Numerator("satisfied", "satisfied_share"),
        Numerator("score", "mean_score", offset=1.0, span=4.0),
    ),
    unpublished=COMMUNE_PAIRS,
)
SERVICE_USAGE = ProtectedFigures(
    table=MART_SURVEY_INDICATORS.name,
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
        table=MART_SURVEY_OPTIONS.name,
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
        table=MART_PARTICIPATION.name,
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
    public count, the suppressed flag and its reason, and each numerator's estimate as
    published (`<name>__estimate`: rounded, NaN where suppressed).

    Before publication (`published=False`) nothing is suppressed yet, the estimates are
    rounded here as they will be published, and each exact numerator (a whole number) is
    read too (`<name>__value`). Only unweighted rows are read: a commune's weighted figures
    are its unweighted ones, a province's and the region's are read by `read_weighted`.
    """
    option = [figures.option] if figures.option else []
    keys = [*figures.key, *option]
    columns = []
    for numerator in figures.numerators:
        decimals = figures.decimals(numerator, "unweighted")
        estimate = numerator.estimate
        if published:
            columns.append(f"{estimate}::double as {numerator.name}__estimate")
        else:
            columns += [
                f"{published_round(estimate, decimals)}::double as {numerator.name}__estimate",
                f"round(({estimate} - {numerator.offset})::double * {figures.count}) "
                f"as {numerator.name}__value",
            ]
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


def read_weighted(con: duckdb.DuckDBPyConnection, figures: ProtectedFigures,
                  *, published: bool) -> pd.DataFrame:
    """The weighted rows of provinces and the region: keys, suppressed flag and each
    numerator's weighted estimate as published (rounded here before publication)."""
    option = [figures.option] if figures.option else []
    columns = []
    for numerator in figures.numerators:
        decimals = figures.decimals(numerator, "weighted")
        estimate = (numerator.estimate if published
                    else published_round(numerator.estimate, decimals))
        columns.append(f"{estimate}::double as {numerator.name}__estimate")
    return con.sql(f"""
        select {", ".join([*figures.key, *option])}, {figures.flag} as hidden,
               {", ".join(columns)}
        from {figures.table}
        where estimate_type = 'weighted' and geography_level <> 'commune'
          and ({figures.scope})
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


# The published tables whose figures disclosure control protects, in the order they are
# built; `protected_figures` says which figures of each.
PROTECTED_TABLES = (MART_SURVEY_INDICATORS, MART_SURVEY_OPTIONS, MART_PARTICIPATION)


def protected_figures(table: str, *, multi_select: list[str], single_choice: list[str],
                      categories: list[str]) -> tuple[ProtectedFigures, ...]:
    """The figures of published table `table` that disclosure control protects (none for a
    table not in `PROTECTED_TABLES`), from the run's lists: the questionnaire's
    select-multiple questions and yes/no items, the register template's participant
    categories."""
    if table == MART_SURVEY_INDICATORS.name:
        return (SURVEY_INDICATORS, SERVICE_USAGE)
    if table == MART_SURVEY_OPTIONS.name:
        return survey_options(multi_select, single_choice)
    if table == MART_PARTICIPATION.name:
        return (participation_categories(categories),)
    return ()
