"""Apply the suppression pattern to the marts in the warehouse, family by family.

For each kind of protected figure (`citizen_metrics.disclosure.figures`), the figures are read
before anything is suppressed (exact numerators, and estimates rounded as they will be
published), each family (an indicator, a question) gets its pattern from
`citizen_metrics.disclosure.pattern.protect`, and the pattern is written back in set-based
UPDATEs: estimates emptied, `suppressed` set, the reason recorded (`primary`,
`complementary`, `commune_pair`), counts that would give a suppressed estimate away emptied
too.

A province's or the region's weighted figure is a figure of its own
(`citizen_metrics.disclosure.model.WeightedFigures`): the search suppresses it, or not, like any
other, knowing that commune weights are public (population over responses), so that a
published weighted figure is a known combination of its communes' numerators. A commune's
weighted rows repeat its unweighted ones (one weight per commune) and share their fate.

Families are independent: they are protected side by side (`citizen_metrics.disclosure.parallel`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from citizen_metrics.disclosure.attacker.integers import pinned_terms
from citizen_metrics.disclosure.costs import FigureCosts
from citizen_metrics.disclosure.families import (
    UNWEIGHTED,
    WEIGHTED,
    Family,
    PublicWeights,
    families,
)
from citizen_metrics.disclosure.figures import (
    GEOGRAPHY,
    GROUP,
    ProtectedFigures,
    read_cells,
    read_weighted,
)
from citizen_metrics.disclosure.model import FamilyFigures
from citizen_metrics.disclosure.parallel import run_in_parallel
from citizen_metrics.disclosure.pattern import (
    DEFAULT_WIDTH,
    Measure,
    Protection,
    protect,
    release,
)


@dataclass(frozen=True)
class FamilyTask:
    """Everything one family's pattern search needs."""

    family: Family
    costs: FigureCosts
    commune_types: dict[str, str]
    threshold: int
    # Figures suppressed beforehand: by design (never published) or for another reason (a
    # participation count suppressed).
    already_hidden: np.ndarray
    complementary: bool = True  # False: primary suppression only (benchmarks, see `protect`)

    @property
    def figures(self) -> FamilyFigures:
        return self.family.figures

    @property
    def counts(self) -> np.ndarray:
        return self.family.counts

    @property
    def measures(self) -> list[Measure]:
        return self.family.measures

    @property
    def unpublished(self) -> np.ndarray:
        return self.family.unpublished


def family_tasks(
    frame: pd.DataFrame, weighted_frame: pd.DataFrame | None, kind: ProtectedFigures,
    public: PublicWeights, threshold: int, width: float, complementary: bool = True,
) -> list[FamilyTask]:
    """One task per family of `kind` from its cells as read before publication (and its
    weighted province and region rows)."""
    tasks = []
    for family in families(frame, weighted_frame, kind, public, threshold=threshold,
                           width=width):
        weighted = family.figures.weighted
        cell_counts = family.counts[: family.figures.cell_count]
        tasks.append(FamilyTask(
            family, FigureCosts.of(family.cells, cell_counts,
                                   weighted.cells if weighted else None),
            public.commune_types, threshold, already_hidden=family.unpublished,
            complementary=complementary))
    return tasks


def run_task(task: FamilyTask) -> tuple[pd.DataFrame, Protection]:
    """The suppressed figures of one family with their reasons and estimate types (a
    commune's cell for both types and its repeats by commune type; a province's or the
    region's cell for unweighted rows, its weighted figure for weighted rows)."""
    found = find_pattern(task)
    size = task.figures.cell_count
    cells = task.family.cells[[*GEOGRAPHY, *GROUP]]
    reasons = np.where(task.unpublished, task.family.by_design, found.reasons)
    hidden_cells = found.hidden[:size]
    withheld = cells.loc[hidden_cells].copy()
    withheld["reason"] = reasons[:size][hidden_cells]
    local = withheld["geography_level"] == "commune"
    withheld["estimate_type"] = pd.Series(UNWEIGHTED, index=withheld.index).where(~local)
    parts = [withheld, commune_repeats(withheld[local], task.commune_types)
             .assign(estimate_type=None)]
    weighted = task.figures.weighted
    if weighted is not None:
        hidden_weighted = found.hidden[size:]
        rows = cells.iloc[weighted.cells[hidden_weighted]].copy()
        rows["reason"] = reasons[size:][hidden_weighted]
        rows["estimate_type"] = WEIGHTED
        parts.append(rows)
    return pd.concat(parts, ignore_index=True), found


def find_pattern(task: FamilyTask) -> Protection:
    """The family's pattern, in three passes where it has weighted figures.

    1. Its cells (what is suppressed unweighted, and at commune level), part by part then as
       a whole (`protect_in_parts`).
    2. With those fixed, which weighted figures of provinces and the region can be
       published beside them: those under which whole numbers would pin a suppressed
       commune are suppressed at once (`pinned_weighted`), the attacker's program decides
       the rest (only weighted figures are suppressed in that pass).
    3. Complements a reader can work out are published after all (`pattern.release`); the
       few a reader could work out in one measure but not another (a satisfied share, not
       its mean score) are settled, any figure being a candidate complement in its cost
       step. Publishing complements back can leave a weighted figure with fewer suppressed
       communes: the whole-number check is played again on the final pattern.
    """
    figures = task.figures
    if figures.weighted is None or not task.complementary:
        return protect(figures, task.counts, task.measures, task.costs,
                       threshold=task.threshold, already_hidden=task.already_hidden,
                       complementary=task.complementary)
    size = figures.cell_count
    first = protect_in_parts(FamilyFigures(figures.structure), task.counts[:size],
                             [m.part(slice(0, size)) for m in task.measures],
                             task.costs.part(slice(0, size)), task.threshold,
                             task.already_hidden[:size], release_at_end=False)
    cells_fixed = np.concatenate([first.hidden, task.already_hidden[size:]])
    hidden = cells_fixed | pinned_weighted(figures, task.measures, cells_fixed)
    weighted_only = np.arange(figures.size) >= size
    found = protect_in_parts(figures, task.counts, task.measures, task.costs,
                             task.threshold, task.already_hidden, already_hidden=hidden,
                             eligible=weighted_only, release_at_end=False)
    found.rounds += first.rounds
    found.solves += first.solves
    found.unprotected |= first.unprotected
    found.converged &= first.converged
    # Complements a reader can work out are published after all; those known in one
    # measure only are settled with any figure as a candidate complement.
    exact = release(figures, task.measures, found.hidden,
                    found.primary | task.already_hidden, found)
    partial = np.any(exact, axis=0)
    if not partial.any():
        return _unpinned(figures, task.measures, found)
    settled = protect(figures, task.counts, task.measures, task.costs,
                      threshold=task.threshold, already_hidden=found.hidden,
                      by_design=task.already_hidden, proven_already=~partial)
    settled.rounds += found.rounds
    settled.solves += found.solves
    settled.released += found.released
    settled.unprotected |= found.unprotected
    settled.converged &= found.converged
    return _unpinned(figures, task.measures, settled)


def _unpinned(figures: FamilyFigures, measures: list[Measure], found: Protection
              ) -> Protection:
    """`found` with every weighted figure that whole numbers would still pin suppressed
    (suppressing a weighted figure only takes an equation away from the reader; whether a
    province's figure pins depends on its cells alone, so one pass settles them all)."""
    found.hidden |= pinned_weighted(figures, measures, found.hidden)
    return found


def protect_in_parts(figures: FamilyFigures, counts: np.ndarray, measures: list[Measure],
                     costs: FigureCosts, threshold: int, by_design: np.ndarray,
                     already_hidden: np.ndarray | None = None,
                     eligible: np.ndarray | None = None, whole: bool = True,
                     release_at_end: bool = True) -> Protection:
    """The pattern of a family's figures, found province by province, then among provinces
    and the region, then for the whole family (as τ-ARGUS's HiTaS works through subtables).
    Each part sees only the sums entirely within it: a weaker attacker, in a program a
    fifth of the size, which settles most of the work quickly; the whole family then
    settles what the parts could not see (figures tied across provinces)."""
    cells = figures.structure.cells
    cell_level = cells["geography_level"].to_numpy()
    cell_province = np.where(
        cell_level == "commune", cells["parent_geography"].to_numpy(),
        np.where(cell_level == "province", cells["geography_code"].to_numpy(), ""))
    level, province = cell_level, cell_province
    if figures.weighted is not None:
        level = np.concatenate([level, cell_level[figures.weighted.cells]])
        province = np.concatenate([province, cell_province[figures.weighted.cells]])
    hidden = (by_design if already_hidden is None else already_hidden).copy()
    solves = rounds = 0
    parts = [province == code for code in np.unique(cell_province[cell_level == "province"])]
    parts.append(level != "commune")
    for keep in parts:
        found = protect(figures.part(keep), counts[keep], [m.part(keep) for m in measures],
                        costs.part(keep), threshold=threshold, already_hidden=hidden[keep],
                        eligible=None if eligible is None else eligible[keep],
                        release_at_end=False)
        hidden[keep] |= found.hidden
        solves += found.solves
        rounds += found.rounds
    if not whole:
        primary = (counts > 0) & (counts < threshold)
        return Protection(hidden=hidden, primary=primary, rounds=rounds, solves=solves)
    result = protect(figures, counts, measures, costs, threshold=threshold,
                     already_hidden=hidden, by_design=by_design, eligible=eligible,
                     release_at_end=release_at_end)
    result.solves += solves
    result.rounds += rounds
    return result


def pinned_weighted(figures: FamilyFigures, measures: list[Measure], hidden: np.ndarray
                    ) -> np.ndarray:
    """Province weighted figures that, published beside `hidden`, would let a reader pin a
    suppressed commune in whole numbers: the auditor's own attack
    (`attacker.integers.pinned_terms`: every whole-number combination of the few suppressed
    communes under the figure that reproduces it and its unweighted twin), played by the
    search on the true figures. Only those are suppressed; a weighted figure whose
    suppressed communes keep their range in whole numbers is published, however unlike
    their weights."""
    pinned = np.zeros(figures.size, dtype=bool)
    for measure in measures:
        for found in pinned_terms(figures, measure, hidden, measure.required):
            pinned[found.weighted_figure] = True
    return pinned


def commune_repeats(cells: pd.DataFrame, commune_types: Mapping[str, str]) -> pd.DataFrame:
    """The commune rows by commune type that repeat the commune rows of `cells`."""
    communes = cells[(cells["geography_level"] == "commune")
                     & ~cells["breakdown"].str.contains(",", regex=False)]
    kind = communes["geography_code"].map(commune_types)
    total = communes["breakdown"] == "total"
    return communes.assign(
        breakdown=np.where(total, "commune_type", communes["breakdown"] + ",commune_type"),
        group_key=np.where(total, kind, communes["group_key"] + "," + kind),
    )


def run_tasks(tasks: list[FamilyTask]) -> list[tuple[pd.DataFrame, Protection]]:
    """Patterns of all families, side by side."""
    return run_in_parallel(run_task, tasks)


def protect_figures(
    con: duckdb.DuckDBPyConnection,
    figures: ProtectedFigures,
    public: PublicWeights,
    *,
    threshold: int,
    width: float = DEFAULT_WIDTH,
    complementary: bool = True,
) -> dict[str, int]:
    """Find and apply the pattern of every family of `figures`; counts of suppressed
    figures by reason."""
    frame = read_cells(con, figures, published=False)
    weighted = read_weighted(con, figures, published=False) if figures.weighted else None
    tasks = family_tasks(frame, weighted, figures, public, threshold, width, complementary)
    patterns = []
    for task, (hidden, _) in zip(tasks, run_tasks(tasks), strict=True):
        for column, value in zip(figures.family, task.family.key, strict=True):
            hidden[column] = value
        patterns.append(hidden)
    columns = [*figures.family, *GEOGRAPHY, *GROUP, "estimate_type", "reason"]
    pattern = (pd.concat(patterns, ignore_index=True) if patterns
               else pd.DataFrame(columns=columns))[columns]
    apply_pattern(con, figures, pattern)
    counts = pattern["reason"].value_counts()
    return {reason: int(counts.get(reason, 0)) for reason in ("primary", "complementary")}


def apply_pattern(con: duckdb.DuckDBPyConnection, figures: ProtectedFigures,
                  pattern: pd.DataFrame) -> None:
    """Suppress the pattern's figures (every estimate column, every option): a row without
    an estimate type in the pattern is suppressed for both types."""
    keys = [*figures.family, *GEOGRAPHY, *GROUP]
    emptied = [f"{column} = null" for column in (*figures.estimates, *figures.withheld_counts)]
    reason = [f"{figures.reason} = p.reason"] if figures.reason else []
    match = " and ".join(f"t.{k} = p.{k}" for k in keys)
    if figures.weighted:
        match += " and (p.estimate_type is null or t.estimate_type = p.estimate_type)"
    con.register("disclosure_pattern", pattern.astype(
        {k: "string" for k in keys} | {"reason": "string", "estimate_type": "string"}))
    try:
        con.execute(f"""
            update {figures.table} t
            set {", ".join([f"{figures.flag} = true", *reason, *emptied])}
            from disclosure_pattern p
            where {match}
        """)
    finally:
        con.unregister("disclosure_pattern")
