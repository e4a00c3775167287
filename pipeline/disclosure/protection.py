"""Apply the suppression pattern to the marts in the warehouse, family by family.

For each kind of protected figure (`pipeline.disclosure.figures`), the true figures are read
before anything is withheld, each family (an indicator, a question) gets its pattern from
`pipeline.disclosure.pattern.protect`, and the pattern is written back in one set-based
UPDATE: estimates emptied, `suppressed` set, the reason recorded (`primary`,
`complementary`), counts that would give a hidden estimate away emptied too.

Weighted figures of a province or the region are then withheld wherever the same figure is
hidden in one of its communes (reason `weighted`): commune weights are public (population
over responses), so a weighted figure is a known combination of its communes' counts, and
with one commune hidden it would give that commune's count away, whatever the rest.

Families are independent: they are protected side by side (`pipeline.disclosure.parallel`).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from pipeline.disclosure.cells import CellStructure
from pipeline.disclosure.figures import (
    GEOGRAPHY,
    GROUP,
    UNPUBLISHED_REASON,
    ProtectedFigures,
    cells_of,
    family_frames,
    read_cells,
)
from pipeline.disclosure.parallel import run_in_parallel
from pipeline.disclosure.pattern import DEFAULT_WIDTH, Measure, protect


@dataclass(frozen=True)
class FamilyTask:
    """Everything one family's pattern search needs."""

    family: tuple[object, ...]
    cells: pd.DataFrame
    structure: CellStructure
    counts: np.ndarray
    measures: list[Measure]
    commune_provinces: dict[str, str]
    commune_types: dict[str, str]
    threshold: int
    width: float
    # Cells withheld beforehand: by design (`unpublished`, never audited) or for another
    # reason (a participation count withheld).
    already_hidden: np.ndarray | None = None
    unpublished: np.ndarray | None = None
    complementary: bool = True  # False: primary suppression only (benchmarks, see `protect`)


def family_tasks(
    frame: pd.DataFrame, figures: ProtectedFigures, commune_provinces: dict[str, str],
    commune_types: dict[str, str], threshold: int, width: float, complementary: bool = True,
) -> list[FamilyTask]:
    """One task per family of `figures` from its true (unrounded) cells; a commune's
    figures by commune type, which repeat its own, are left to follow them."""
    tasks = []
    structures = StructureCache(commune_provinces, commune_types)
    for family, rows in family_frames(without_commune_repeats(frame), figures):
        cells, index = cells_of(rows, figures)
        counts = np.zeros(len(cells))
        counts[index] = rows["count"].fillna(0).to_numpy(float)
        unpublished = np.zeros(len(cells), dtype=bool)
        unpublished[index] = rows["unpublished"].to_numpy(bool)
        # A figure withheld by design still needs protecting if it rests on few people
        # (it could be worked out from provinces); one resting on enough people does not.
        primary = (counts > 0) & (counts < threshold)
        measures = []
        for numerator in figures.numerators:
            groups = rows.groupby(figures.option, sort=True) if figures.option else [("", rows)]
            for option, part in groups:
                values = np.zeros(len(cells))
                part_index = index[part.index.to_numpy()]
                values[part_index] = part[f"{numerator.name}__low"].fillna(0).to_numpy(float)
                name = f"{numerator.name}:{option}" if figures.option else numerator.name
                scale = numerator.span * counts
                required = np.where(primary, width * scale, np.minimum(1.0, scale))
                measures.append(Measure(name, values, numerator.span, required=np.where(
                    unpublished & ~primary, 0.0, required)))
        tasks.append(FamilyTask(family, cells, structures.get(cells), counts, measures,
                                commune_provinces, commune_types, threshold, width,
                                already_hidden=unpublished, unpublished=unpublished,
                                complementary=complementary))
    return tasks


class StructureCache:
    """Families of one mart usually share their cells (every indicator has a row for every
    group with respondents): their identities are built once."""

    def __init__(self, commune_provinces: dict[str, str],
                 commune_types: dict[str, str] | None = None) -> None:
        self._provinces = commune_provinces
        self._types = commune_types
        self._built: dict[int, CellStructure] = {}

    def get(self, cells: pd.DataFrame) -> CellStructure:
        key = int(pd.util.hash_pandas_object(cells, index=False).sum()) ^ len(cells)
        if key not in self._built:
            self._built[key] = CellStructure.build(cells, self._provinces, self._types)
        return self._built[key]


def withholding_cost(cells: pd.DataFrame, counts: np.ndarray) -> np.ndarray:
    """What withholding a figure costs its readers: its number of people, more for the
    figures most read (a total over a group, a province over a commune, the region most)."""
    breakdown = cells["breakdown"]
    detail = np.select([breakdown == "total", ~breakdown.str.contains(",", regex=False)],
                       [4.0, 2.0], 1.0)
    level = cells["geography_level"].map({"commune": 1.0, "province": 2.0, "region": 4.0})
    return counts * detail * level.to_numpy(float)


def run_task(task: FamilyTask) -> pd.DataFrame:
    """The hidden cells of one family with their reasons (and their repeats by commune
    type at commune level)."""
    structure = task.structure
    by_design = task.unpublished if task.unpublished is not None else np.zeros(
        len(task.counts), dtype=bool)
    found = protect(structure, task.counts, task.measures, threshold=task.threshold,
                    width=task.width, already_hidden=task.already_hidden,
                    cost=withholding_cost(task.cells, task.counts),
                    complementary=task.complementary)
    hidden = task.cells.loc[found.hidden, [*GEOGRAPHY, *GROUP]].copy()
    hidden["reason"] = np.where(by_design, UNPUBLISHED_REASON, found.reasons)[found.hidden]
    return pd.concat([hidden, commune_repeats(hidden, task.commune_types)],
                     ignore_index=True)


def without_commune_repeats(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` without the commune rows by commune type (a commune has a single type, so
    `sex,commune_type` = `female,urban` of an urban commune is its `female` row again)."""
    repeat = ((frame["geography_level"] == "commune")
              & frame["breakdown"].str.contains("commune_type", regex=False))
    return frame[~repeat].reset_index(drop=True)


def commune_repeats(cells: pd.DataFrame, commune_types: dict[str, str]) -> pd.DataFrame:
    """The commune rows by commune type that repeat the commune rows of `cells`."""
    communes = cells[(cells["geography_level"] == "commune")
                     & ~cells["breakdown"].str.contains(",", regex=False)]
    kind = communes["geography_code"].map(commune_types)
    total = communes["breakdown"] == "total"
    return communes.assign(
        breakdown=np.where(total, "commune_type", communes["breakdown"] + ",commune_type"),
        group_key=np.where(total, kind, communes["group_key"] + "," + kind),
    )


def run_tasks(tasks: list[FamilyTask]) -> list[pd.DataFrame]:
    """Patterns of all families, side by side."""
    return run_in_parallel(run_task, tasks)


def protect_figures(
    con: duckdb.DuckDBPyConnection,
    figures: ProtectedFigures,
    commune_provinces: dict[str, str],
    commune_types: dict[str, str],
    *,
    threshold: int,
    width: float = DEFAULT_WIDTH,
    complementary: bool = True,
) -> dict[str, int]:
    """Find and apply the pattern of every family of `figures`; counts of withheld cells."""
    frame = read_cells(con, figures, published=False)
    tasks = family_tasks(frame, figures, commune_provinces, commune_types, threshold, width,
                         complementary)
    patterns = []
    for task, hidden in zip(tasks, run_tasks(tasks), strict=True):
        for column, value in zip(figures.family, task.family, strict=True):
            hidden[column] = value
        patterns.append(hidden)
    columns = [*figures.family, *GEOGRAPHY, *GROUP, "reason"]
    pattern = (pd.concat(patterns, ignore_index=True) if patterns
               else pd.DataFrame(columns=columns))[columns]
    apply_pattern(con, figures, pattern)
    return {
        "primary": int((pattern["reason"] == "primary").sum()),
        "complementary": int((pattern["reason"] == "complementary").sum()),
    }


def apply_pattern(con: duckdb.DuckDBPyConnection, figures: ProtectedFigures,
                  pattern: pd.DataFrame) -> None:
    """Withhold the pattern's cells (every estimate type, every option), then the weighted
    province and region figures above a hidden commune figure."""
    keys = [*figures.family, *GEOGRAPHY, *GROUP]
    emptied = [f"{column} = null" for column in (*figures.estimates, *figures.withheld_counts)]
    reason = [f"{figures.reason} = p.reason"] if figures.reason else []
    match = " and ".join(f"t.{k} = p.{k}" for k in keys)
    con.register("disclosure_pattern", pattern.astype(
        {k: "string" for k in keys} | {"reason": "string"}))
    try:
        con.execute(f"""
            update {figures.table} t
            set {", ".join([f"{figures.flag} = true", *reason, *emptied])}
            from disclosure_pattern p
            where {match}
        """)
    finally:
        con.unregister("disclosure_pattern")
    if figures.weighted:
        weighted_rows_hidden(con, figures)


def weighted_rows_hidden(con: duckdb.DuckDBPyConnection, figures: ProtectedFigures) -> None:
    """Withhold a weighted province or region figure when the same figure of one of its
    communes is withheld (see the module docstring for why)."""
    same = [*figures.family, *GROUP, *([figures.option] if figures.option else [])]
    match = " and ".join(f"c.{k} = t.{k}" for k in same)
    emptied = [f"{column} = null" for column in (*figures.estimates, *figures.withheld_counts)]
    reason = [f"{figures.reason} = 'weighted'"] if figures.reason else []
    con.execute(f"""
        update {figures.table} t
        set {", ".join([f"{figures.flag} = true", *reason, *emptied])}
        where t.estimate_type = 'weighted' and t.geography_level <> 'commune'
          and not t.{figures.flag}
          and exists (
              select 1 from {figures.table} c join ref_communes r
                  on r.commune_code = c.geography_code
              where c.geography_level = 'commune' and c.estimate_type = 'unweighted'
                and c.{figures.flag} and {match}
                and (t.geography_level = 'region' or r.province_code = t.geography_code)
          )
    """)
