"""A family's figures as a reader of the published tables knows them.

Both sides of disclosure control start here: the pattern search
(`citizen_metrics.disclosure.protection`), from the figures before anything is suppressed, with the
estimates rounded as they will be published and the exact numerators beside them; and the
auditor (`citizen_metrics.disclosure.attacker.auditor`), from the published tables alone. For each
family (an indicator, a question…) `family_of` builds the cells and their sums, the weighted
figures of provinces and the region with the public weights, and for every numerator what
publication leaves a reader (`pattern.Measure`): a published count within the whole numbers
its rounding allows, a published weighted figure within its rounding times its weighted
count, a suppressed one anywhere between 0 and its ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from citizen_metrics.disclosure.cells import DIMENSIONS, CellStructure
from citizen_metrics.disclosure.figures import (
    GEOGRAPHY,
    GROUP,
    SINGLE_ROUND_REASON,
    UNPUBLISHED_REASON,
    WEIGHTED_PAIR_REASON,
    ProtectedFigures,
    cells_of,
    family_frames,
)
from citizen_metrics.disclosure.model import FamilyFigures, WeightedFigures
from citizen_metrics.disclosure.pattern import Measure, required_widths
from citizen_metrics.settings import SURVEY_ROUND

UNWEIGHTED = "unweighted"
WEIGHTED = "weighted"


@dataclass(frozen=True)
class PublicWeights:
    """What the public knows of the survey's weights: each commune's province, official
    type and weight (its 2024 population over its published number of responses)."""

    commune_provinces: dict[str, str]
    commune_types: dict[str, str]
    weights: dict[str, float]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, responses_table: str) -> PublicWeights:
        """From the reference lists and the commune totals of `responses_table` (no
        weights where it does not exist: workshop participation has none)."""
        communes = con.sql("select commune_code, province_code, commune_type, "
                           "population_2024 from ref_communes").df()
        exists = con.execute("select count(*) from information_schema.tables "
                             "where table_name = ?", [responses_table]).fetchone()
        responses: dict[str, float] = {}
        if exists and exists[0]:
            responses = dict(con.execute(f"""
                select geography_code, max(n_respondents) from {responses_table}
                where geography_level = 'commune' and breakdown = 'total' group by 1
            """).fetchall())
        weights = {code: float(population) / float(responses[code])
                   for code, population in zip(communes["commune_code"],
                                               communes["population_2024"], strict=True)
                   if responses.get(code)}
        return cls(
            commune_provinces=dict(zip(communes["commune_code"], communes["province_code"],
                                       strict=True)),
            commune_types=dict(zip(communes["commune_code"], communes["commune_type"],
                                   strict=True)),
            weights=weights,
        )


class StructureCache:
    """Families of one mart usually share their cells (every indicator has a row for every
    group with respondents): their identities are built once."""

    def __init__(self, public: PublicWeights) -> None:
        self._public = public
        self._built: dict[int, CellStructure] = {}

    def get(self, cells: pd.DataFrame) -> CellStructure:
        key = int(pd.util.hash_pandas_object(cells, index=False).sum()) ^ len(cells)
        if key not in self._built:
            self._built[key] = CellStructure.build(cells, self._public.commune_provinces,
                                                   self._public.commune_types)
        return self._built[key]


@dataclass(frozen=True)
class Family:
    """One family's figures (cells, then weighted figures), as read."""

    key: tuple[object, ...]
    cells: pd.DataFrame
    figures: FamilyFigures
    counts: np.ndarray
    # Suppressed as read (nothing before publication); suppressed by design, with the reason
    # (a commune's pairs, a province's or the region's weighted pairs, figures by round
    # without a trend), None for the others: never published.
    hidden: np.ndarray
    by_design: np.ndarray
    primary: np.ndarray
    measures: list[Measure]

    @property
    def unpublished(self) -> np.ndarray:
        """The figures suppressed by design."""
        return pd.notna(self.by_design)


def families(frame: pd.DataFrame, weighted_frame: pd.DataFrame | None,
             kind: ProtectedFigures, public: PublicWeights, *, threshold: int,
             width: float) -> list[Family]:
    """The families of `kind` from its rows (`figures.read_cells`) and its weighted rows of
    provinces and the region (`figures.read_weighted`); a commune's figures by commune
    type, which repeat its own, are left out (they follow them)."""
    structures = StructureCache(public)
    weighted_by_family = dict(family_frames(weighted_frame, kind)) if (
        weighted_frame is not None) else {}
    return [family_of(kind, key, rows, weighted_by_family.get(key), public, structures,
                      threshold=threshold, width=width)
            for key, rows in family_frames(without_commune_repeats(frame), kind)]


def family_of(kind: ProtectedFigures, key: tuple[object, ...], rows: pd.DataFrame,
              weighted_rows: pd.DataFrame | None, public: PublicWeights,
              structures: StructureCache, *, threshold: int, width: float) -> Family:
    """One family from its rows (see `families`)."""
    cells, index = cells_of(rows, kind)
    structure = structures.get(cells)
    cell_counts = np.zeros(len(cells))
    cell_counts[index] = rows["count"].to_numpy(float)
    # A count suppressed with its figure (workshop participation) is known only to lie below
    # the counts above it: the share it is the denominator of cannot be computed, so its
    # numerator needs only to stay uncertain (two values at least), as a complement's.
    counted = ~np.isnan(cell_counts)
    cell_counts = count_ceilings(structure, cell_counts)
    weighted = (WeightedFigures.build(structure, cell_counts, public.weights)
                if kind.weighted else None)
    figures = FamilyFigures(structure, weighted)
    counts = figures.counts(cell_counts)
    size = figures.cell_count
    hidden = np.zeros(figures.size, dtype=bool)
    hidden[index] = rows["hidden"].to_numpy(bool)
    by_design = np.full(figures.size, None, dtype=object)
    by_design[index[rows["unpublished"].to_numpy(bool)]] = UNPUBLISHED_REASON
    by_design[:size][single_round(cells, cell_counts, threshold)] = SINGLE_ROUND_REASON
    weighted_index = None
    if weighted is not None:
        # A weighted figure without a row (none in the table) is no suppressed figure: it is
        # not published, and nobody claimed to protect it.
        row = np.zeros(weighted.size, dtype=bool)
        hidden[size:] = True
        if weighted_rows is not None and len(weighted_rows):
            weighted_index = locate(weighted_rows, cells.iloc[weighted.cells])
            located = weighted_index >= 0
            row[weighted_index[located]] = True
            hidden[size + weighted_index[located]] = (
                weighted_rows["hidden"].to_numpy(bool)[located])
        by_design[size:][weighted_pairs(cells.iloc[weighted.cells]) | ~row] = (
            WEIGHTED_PAIR_REASON)
    unpublished = pd.notna(by_design)
    hidden |= unpublished
    known = np.ones(figures.size, dtype=bool)
    known[:size] = counted
    primary = (counts > 0) & (counts < threshold) & known
    measures = []
    options = rows.groupby(kind.option, sort=True) if kind.option else [("", rows)]
    for option, part in options:
        part_index = index[part.index.to_numpy()]
        weighted_part = weighted_rows
        if weighted_rows is not None and kind.option:
            weighted_part = weighted_rows[weighted_rows[kind.option] == option]
        for numerator in kind.numerators:
            estimate = np.full(size, np.nan)
            estimate[part_index] = part[f"{numerator.name}__estimate"].to_numpy(float)
            low, high = whole_band(*numerator.band(
                estimate, kind.decimals(numerator, UNWEIGHTED), cell_counts))
            values = np.full(size, np.nan)
            if f"{numerator.name}__value" in part:
                values = np.zeros(size)
                values[part_index] = part[f"{numerator.name}__value"].fillna(0).to_numpy(
                    float)
            ceilings = figures.ceilings(numerator.span * cell_counts)
            if weighted is not None:
                weighted_low = np.zeros(weighted.size)
                weighted_high = np.zeros(weighted.size)
                if weighted_part is not None and weighted_index is not None:
                    at = weighted_index[weighted_part.index.to_numpy()]
                    found = at >= 0
                    band_low, band_high = numerator.band(
                        weighted_part[f"{numerator.name}__estimate"].to_numpy(float)[found],
                        kind.decimals(numerator, WEIGHTED), weighted.totals[at[found]])
                    weighted_low[at[found]], weighted_high[at[found]] = band_low, band_high
                low = np.concatenate([low, weighted_low])
                high = np.concatenate([high, weighted_high])
            # A figure without a value in this measure (suppressed, nobody behind it, a mean
            # score left empty) says nothing of it: anything from 0 to its ceiling.
            unknown = np.isnan(low) | np.isnan(high)
            low, high = np.where(unknown, 0.0, low), np.where(unknown, ceilings, high)
            name = f"{numerator.name}:{option}" if kind.option else numerator.name
            # A figure suppressed by design needs protecting only if it rests on few people
            # (it could be worked out from provinces).
            required = np.where(unpublished & ~primary, 0.0,
                                required_widths(ceilings, primary, width))
            measures.append(Measure(name, figures.values(values), ceilings, low, high,
                                    required))
    return Family(key, cells, figures, counts, hidden, by_design, primary, measures)


def locate(rows: pd.DataFrame, cells: pd.DataFrame) -> np.ndarray:
    """The position in `cells` of each row of `rows` (geography and group), −1 if none."""
    keys = [*GEOGRAPHY, *GROUP]
    index = pd.MultiIndex.from_frame(cells[keys].astype(str))
    return index.get_indexer(pd.MultiIndex.from_frame(rows[keys].astype(str)))


def whole_band(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The whole numbers between `low` and `high`: a count of people is one of them."""
    return np.ceil(low - 1e-9), np.floor(high + 1e-9)


def single_round(cells: pd.DataFrame, counts: np.ndarray, threshold: int) -> np.ndarray:
    """A province's or the region's figures by survey round where fewer than two rounds
    rest on at least `threshold` people: no trend to read, and the one round that does would
    be the total less a handful of people (a device clock years ahead, the first days of a
    new round), whose figure it would give away. They are withheld by design
    (`figures.SINGLE_ROUND_REASON`), not protected at the cost of the headline figures."""
    breakdown = cells["breakdown"]
    by_round = (breakdown.str.contains(SURVEY_ROUND, regex=False).to_numpy()
                & (cells["geography_level"] != "commune").to_numpy())
    enough = (breakdown == SURVEY_ROUND).to_numpy() & (np.nan_to_num(counts) >= threshold)
    rounds_enough = (pd.Series(enough, dtype=int)
                     .groupby(cells["geography_code"].to_numpy()).transform("sum").to_numpy())
    return by_round & (rounds_enough < 2)


def weighted_pairs(cells: pd.DataFrame) -> np.ndarray:
    """Which of these province and region cells are pairs of the survey's dimensions (their
    weighted figures are never published: `figures.WEIGHTED_PAIR_REASON`), or by survey
    round (`figures.WEIGHTED_PAIRS`)."""
    breakdown = cells["breakdown"]
    return ((breakdown.str.contains(",", regex=False)
             & ~breakdown.str.contains("commune_type", regex=False))
            | breakdown.str.contains(SURVEY_ROUND, regex=False)).to_numpy()


def count_ceilings(structure: CellStructure, counts: np.ndarray) -> np.ndarray:
    """Known counts as they are; a suppressed (NaN) count bounded by the smallest known
    count above it (a geography's total is always published)."""
    ceilings = np.where(np.isnan(counts), np.inf, counts)
    if not np.isnan(counts).any():
        return ceilings
    pairs = structure.refinements
    parent, child = pairs["parent"].to_numpy(), pairs["child"].to_numpy()
    for _ in range(len(DIMENSIONS)):
        np.minimum.at(ceilings, child, ceilings[parent])
    return np.where(np.isinf(ceilings), 0.0, ceilings)


def without_commune_repeats(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` without the commune rows by commune type (a commune has a single type, so
    `sex,commune_type` = `female,urban` of an urban commune is its `female` row again)."""
    repeat = ((frame["geography_level"] == "commune")
              & frame["breakdown"].str.contains("commune_type", regex=False))
    return frame[~repeat].reset_index(drop=True)
