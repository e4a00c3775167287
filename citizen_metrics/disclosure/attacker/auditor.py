"""The attacker, played by the project: what can be worked out about every suppressed figure
from the published tables and the public reference alone.

For each family of protected figures it rebuilds, from what is published
(`citizen_metrics.disclosure.families`), every equation an outsider knows: the sums of
`citizen_metrics.disclosure.cells` (groups and totals, pairs and single dimensions, communes,
provinces and the region), each published estimate as the whole numbers its rounding
allows, each published weighted figure of a province or the region as a combination of its
communes' numerators with the public weights (2024 population over published responses),
and each published equity gap as the shares of its two sides. It then computes

- by linear programming, the smallest and largest value every suppressed numerator can take;
- by trying every combination of whole numbers (`citizen_metrics.disclosure.attacker.integers`), the
values
  the few suppressed communes under a published weighted figure can still take.

A suppressed estimate is protected when:
- it was suppressed because it rests on fewer people than the threshold: its range covers at
  least `width` of its scale (0.2: 20 points of a share, 0.8 of a 1–5 mean score);
- it was suppressed to protect another one (complementary): it cannot be recomputed exactly
  (its count can take two values at least; a weighted figure, more than one value).

The auditor knows nothing the public does not: it reads the published tables and the
public reference, never the figures behind them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp

from citizen_metrics.disclosure.attacker.integers import pinned_terms
from citizen_metrics.disclosure.attacker.ranges import Attacker
from citizen_metrics.disclosure.cells import CellStructure, refinement_pairs
from citizen_metrics.disclosure.families import (
    Family,
    PublicWeights,
    count_ceilings,
    families,
)
from citizen_metrics.disclosure.figures import (
    GEOGRAPHY,
    GROUP,
    SURVEY_INDICATORS,
    ProtectedFigures,
    read_cells,
    read_weighted,
)
from citizen_metrics.disclosure.model import positions
from citizen_metrics.disclosure.parallel import run_in_parallel
from citizen_metrics.disclosure.pattern import DEFAULT_WIDTH, Measure
from citizen_metrics.disclosure.precision import SHARE_DECIMALS, half_unit
from citizen_metrics.tables.marts import MART_EQUITY_GAPS, MART_PARTICIPATION

CONTRASTS_TABLE = MART_EQUITY_GAPS.name
PARTICIPATION_TABLE = MART_PARTICIPATION.name
# The share columns of participation, the dimension each refines and the value it counts.
DIMENSION_SHARES = {
    "sex": ("female", "share_women"),
    "age_group": ("youth", "share_youth"),
    "disability": ("with_disability", "share_with_disability"),
    "residence": ("rural", "share_rural"),
}
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Finding:
    """A suppressed estimate that can be narrowed more than allowed."""

    table: str
    family: str
    numerator: str
    geography_level: str
    geography_code: str
    breakdown: str
    group_key: str
    count: float
    low: float
    high: float
    required: float
    # `linear` (linear programming) or `whole numbers` (combinations of whole numbers).
    attack: str = "linear"
    estimate_type: str = "unweighted"


@dataclass
class AuditReport:
    """What the attacker achieved."""

    cells: int = 0
    solves: int = 0
    seconds: float = 0.0
    # Narrowest range of an estimate suppressed for resting on too few people, on its scale
    # (1.0 when there is none).
    narrowest_primary: float = 1.0
    # Fewest whole values a complementary numerator can take, minus one (0: recomputable).
    narrowest_complementary: float = float("inf")
    failures: list[Finding] = field(default_factory=list)
    by_table: dict[str, int] = field(default_factory=dict)
    # Range of every complementary figure on its scale (how far beyond "not exact" they go).
    complementary_widths: list[float] = field(default_factory=list)
    # Published weighted figures whose suppressed communes were tried in whole numbers.
    integer_checks: int = 0

    @property
    def passed(self) -> bool:
        return not self.failures

    def merge(self, other: AuditReport) -> None:
        self.cells += other.cells
        self.solves += other.solves
        self.integer_checks += other.integer_checks
        self.narrowest_primary = min(self.narrowest_primary, other.narrowest_primary)
        self.narrowest_complementary = min(self.narrowest_complementary,
                                           other.narrowest_complementary)
        self.failures += other.failures
        self.complementary_widths += other.complementary_widths
        for key, value in other.by_table.items():
            self.by_table[key] = self.by_table.get(key, 0) + value


@dataclass(frozen=True)
class PublicReference:
    """What the public knows besides the marts: each commune's province, official type and
    2024 population."""

    commune_provinces: dict[str, str]
    commune_types: dict[str, str]
    populations: dict[str, float]

    @classmethod
    def from_frame(cls, communes: pd.DataFrame) -> PublicReference:
        codes = communes["commune_code"]
        return cls(
            commune_provinces=dict(zip(codes, communes["province_code"], strict=True)),
            commune_types=dict(zip(codes, communes["commune_type"], strict=True)),
            populations=dict(zip(codes, communes["population_2024"].astype(float),
                                 strict=True)),
        )

    def weights(self, con: duckdb.DuckDBPyConnection) -> PublicWeights:
        """The public weights: each commune's population over its published number of
        responses (the total row of the indicators mart)."""
        responses = dict(con.execute(f"""
            select geography_code, max(n_respondents) from {SURVEY_INDICATORS.table}
            where geography_level = 'commune' and breakdown = 'total' group by 1
        """).fetchall())
        return PublicWeights(
            self.commune_provinces, self.commune_types,
            {code: population / float(responses[code])
             for code, population in self.populations.items() if responses.get(code)})


@dataclass(frozen=True)
class FamilyAudit:
    """One family as published, and the published gaps tied to it (families are audited
    side by side)."""

    kind: ProtectedFigures
    family: Family
    gaps: pd.DataFrame | None
    threshold: int
    width: float


def audit(
    con: duckdb.DuckDBPyConnection,
    figures: list[ProtectedFigures],
    reference: PublicReference,
    *,
    threshold: int,
    width: float = DEFAULT_WIDTH,
) -> AuditReport:
    """Audit every family of every kind of figure in `figures` on the published tables of
    `con`, knowing the public `reference`."""
    started = time.perf_counter()
    public = reference.weights(con)
    gaps = con.sql(f"""
        select indicator, geography_level, geography_code, dimension, group_a, group_b,
               share_a, share_b
        from {CONTRASTS_TABLE} where not suppressed order by all
    """).df()
    tasks: list[FamilyAudit] = []
    for kind in figures:
        frame = read_cells(con, kind, published=True)
        weighted = read_weighted(con, kind, published=True) if kind.weighted else None
        for family in families(frame, weighted, kind, public, threshold=threshold,
                               width=width):
            family_gaps = (gaps[gaps["indicator"] == family.key[0]]
                           if kind is SURVEY_INDICATORS else None)
            tasks.append(FamilyAudit(kind, family, family_gaps, threshold, width))
    report = AuditReport()
    for part in run_in_parallel(audit_family, tasks):
        report.merge(part)
    if any(kind.table == PARTICIPATION_TABLE for kind in figures):
        report.merge(_audit_participation_counts(_participation_counts(con), public,
                                                 threshold, width))
    report.seconds = time.perf_counter() - started
    return report


def audit_family(task: FamilyAudit) -> AuditReport:
    """The attacker's ranges, linear and in whole numbers, for one family's suppressed
    figures."""
    family = task.family
    figures = family.figures
    report = AuditReport()
    exists = family.counts > 0
    withheld = family.hidden & exists
    # Suppressed by design and resting on enough people: unknowns of every sum, not audited.
    audited = withheld & ~(family.unpublished & ~family.primary)
    targets = np.nonzero(audited)[0]
    report.cells = len(targets)
    report.by_table[f"{task.kind.table}.{task.kind.flag}"] = len(targets)
    if not len(targets):
        return report
    integer = figures.integer
    for measure in family.measures:
        exact = np.where(integer, np.minimum(1.0, measure.ceilings),
                         _TOLERANCE * measure.ceilings)
        required = np.where(family.primary, measure.required, exact)
        required = np.where(audited, required, 0.0)
        extra, extra_low, extra_high = (_gap_rows(task.gaps, family, figures.size)
                                        if task.gaps is not None
                                        and measure.name == "satisfied" else (None, None, None))
        low, high = measure.bounds(family.hidden)
        attacker, kept = figures.program(low, high, extra, extra_low, extra_high)
        position, inside = positions(kept, targets)
        lows = np.where(inside, 0.0, low[targets])
        highs = np.where(inside, 0.0, high[targets])
        ranges = attacker.ranges(position[inside], required[targets][inside],
                                 integer=integer[targets][inside])
        report.solves += ranges.solves
        lows[inside], highs[inside] = ranges.low, ranges.high
        widths = np.where(integer[targets],
                          np.maximum(np.floor(highs + _TOLERANCE)
                                     - np.ceil(lows - _TOLERANCE), 0.0),
                          np.maximum(highs - lows, 0.0))
        _record(report, task, measure, targets, lows, highs, widths, required, "linear")
        # Whole numbers under each published weighted figure with few suppressed communes.
        pinned = pinned_terms(figures, measure, family.hidden, required)
        report.integer_checks += len({p.weighted_figure for p in pinned})
        for found in pinned:
            _fail(report, task, measure, found.term, found.low, found.high, found.required,
                  "whole numbers")
    return report


def _record(report: AuditReport, task: FamilyAudit, measure: Measure, targets: np.ndarray,
            lows: np.ndarray, highs: np.ndarray, widths: np.ndarray, required: np.ndarray,
            attack: str) -> None:
    family = task.family
    scale = np.maximum(measure.ceilings[targets], 1e-12)
    sensitive = family.primary[targets]
    if sensitive.any():
        report.narrowest_primary = min(report.narrowest_primary,
                                       float(np.min(widths[sensitive] / scale[sensitive])))
    cells = ~sensitive & family.figures.integer[targets]
    if cells.any():
        report.narrowest_complementary = min(report.narrowest_complementary,
                                             float(np.min(widths[cells])))
        report.complementary_widths += (widths[cells] / scale[cells]).tolist()
    for at in np.nonzero(widths < required[targets] - 1e-9)[0]:
        _fail(report, task, measure, int(targets[at]), float(lows[at]), float(highs[at]),
              float(required[targets[at]]), attack)


def _fail(report: AuditReport, task: FamilyAudit, measure: Measure, figure: int,
          low: float, high: float, required: float, attack: str) -> None:
    family = task.family
    size = family.figures.cell_count
    weighted = family.figures.weighted
    cell = family.cells.iloc[figure if figure < size or weighted is None
                             else int(weighted.cells[figure - size])]
    report.failures.append(Finding(
        table=task.kind.table, family=",".join(map(str, family.key)), numerator=measure.name,
        geography_level=str(cell["geography_level"]),
        geography_code=str(cell["geography_code"]), breakdown=str(cell["breakdown"]),
        group_key=str(cell["group_key"]), count=float(family.counts[figure]), low=low,
        high=high, required=required, attack=attack,
        estimate_type="unweighted" if figure < size else "weighted",
    ))


def _gap_rows(gaps: pd.DataFrame, family: Family, size: int
              ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Each published equity gap gives the satisfied share of its two sides: a row per side
    of a single group, over its cell, between the whole numbers its rounding leaves. (A side
    joining several groups, adults and seniors, is computed from their published shares:
    it says nothing more, and is no equation on their numerators.)"""
    cells = family.cells
    half = float(half_unit(SHARE_DECIMALS))
    columns = ["geography_level", "geography_code", "dimension"]
    sides = pd.concat([
        gaps[columns].assign(group=gaps[f"group_{side}"], share=gaps[f"share_{side}"],
                             order=np.arange(len(gaps)) * 2 + position)
        for position, side in enumerate(("a", "b"))
    ], ignore_index=True)
    sides = sides[sides["share"].notna() & ~sides["group"].str.contains("+", regex=False)]
    sides = sides.sort_values("order").reset_index(drop=True)
    sides["row"] = sides.index
    members = sides.assign(group_key=sides["group"])
    frame = cells[["geography_level", "geography_code", "breakdown", "group_key"]].assign(
        cell=np.arange(len(cells)))
    links = members.merge(
        frame, left_on=[*columns, "group_key"],
        right_on=["geography_level", "geography_code", "breakdown", "group_key"])
    matrix = sp.csr_matrix((np.ones(len(links)), (links["row"].to_numpy(),
                                                  links["cell"].to_numpy())),
                           shape=(len(sides), size))
    counts = matrix @ family.counts
    share = sides["share"].to_numpy(float)
    return (matrix, np.ceil((share - half) * counts - 1e-9),
            np.floor((share + half) * counts + 1e-9))


def _participation_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    shares = [share for _, share in DIMENSION_SHARES.values()]
    return con.sql(f"""
        select geography_level, geography_code, breakdown, group_key,
               attendances::double as count, {", ".join(shares)}
        from {PARTICIPATION_TABLE} order by all
    """).df()


def _audit_participation_counts(
    frame: pd.DataFrame, public: PublicWeights, threshold: int, width: float,
) -> AuditReport:
    """Suppressed attendance counts: the numerators of suppressed dimension shares. Every
    published count is known, every published share is a count over another, every
    suppressed count lies between 0 and the counts above it; how far can each move?"""
    report = AuditReport()
    structure = CellStructure.build(frame, public.commune_provinces)
    cells = structure.cells
    published = frame["count"].to_numpy(float)
    unknown = np.isnan(published)
    ceilings = count_ceilings(structure, published)
    low = np.where(unknown, 0.0, published)
    high = np.where(unknown, ceilings, published)
    required = np.zeros(len(frame))
    # Each published share is one equation: its counted child between the whole numbers
    # its rounding leaves, times its parent's published count.
    known_children: list[np.ndarray] = []
    lows: list[np.ndarray] = []
    highs: list[np.ndarray] = []
    half = float(half_unit(SHARE_DECIMALS))
    for dimension, (value, share) in DIMENSION_SHARES.items():
        pairs = refinement_pairs(cells, dimension)
        pairs = pairs[cells[dimension].to_numpy()[pairs["child"].to_numpy()] == value]
        parent, child = pairs["parent"].to_numpy(), pairs["child"].to_numpy()
        estimate = frame[share].to_numpy(float)[parent]
        count = published[parent]
        shown = ~np.isnan(estimate) & ~np.isnan(count)
        known_children.append(child[shown])
        lows.append(np.ceil((estimate[shown] - half) * count[shown] - 1e-9))
        highs.append(np.floor((estimate[shown] + half) * count[shown] + 1e-9))
        hidden = ~shown & (ceilings[parent] > 0)
        small = (count < threshold) & ~np.isnan(count)
        np.maximum.at(required, child[hidden],
                      np.where(small[hidden], width * count[hidden], 1.0))
    columns = np.concatenate(known_children)
    extra = sp.csr_matrix((np.ones(len(columns)), (np.arange(len(columns)), columns)),
                          shape=(len(columns), len(frame)))
    rows = sp.vstack([structure.lines, extra]).tocsr()
    row_low = np.concatenate([np.zeros(structure.lines.shape[0]), np.concatenate(lows)])
    row_high = np.concatenate([np.zeros(structure.lines.shape[0]), np.concatenate(highs)])
    attacker, kept = Attacker.over_unknowns(rows, row_low, row_high, low, high)
    targets = np.nonzero(required > 0)[0]
    ranges = attacker.ranges(np.searchsorted(kept, targets), required[targets])
    report.solves += ranges.solves
    widths = ranges.widths()
    for position in np.nonzero(widths < required[targets] - 1e-9)[0]:
        cell = cells.iloc[targets[position]]
        report.failures.append(Finding(
            table=PARTICIPATION_TABLE, family="", numerator="attendances",
            geography_level=cell["geography_level"], geography_code=cell["geography_code"],
            breakdown=cell["breakdown"], group_key=cell["group_key"],
            count=float(ceilings[targets[position]]), low=float(ranges.low[position]),
            high=float(ranges.high[position]), required=float(required[targets[position]]),
        ))
    report.cells = len(targets)
    report.by_table[f"{PARTICIPATION_TABLE}.attendances"] = len(targets)
    return report


def findings_frame(report: AuditReport) -> pd.DataFrame:
    """The failures as a table (for check metadata and tests)."""
    columns = [*GEOGRAPHY, *GROUP]
    if not report.failures:
        return pd.DataFrame(columns=["table", "family", "numerator", *columns, "count",
                                     "low", "high", "required", "attack", "estimate_type"])
    return pd.DataFrame([f.__dict__ for f in report.failures])
