"""The attacker, played by the project: what can be worked out about every withheld figure
from the published tables and the public reference alone.

For each family of protected figures it rebuilds, from what is published, every equation
an outsider knows: the sums of `pipeline.disclosure.cells` (groups and totals, pairs and
single dimensions, communes, provinces and the region), each published estimate as an
interval (it is rounded), each published weighted figure as a combination of its communes'
counts with the public weights (the commune's 2024 population over its published number of
responses), and each published equity gap as the shares of its two sides. It then computes,
by linear programming, the smallest and largest value every withheld numerator can take.

A withheld estimate is protected when:
- it was withheld because it rests on fewer people than the threshold: its range covers at
  least `width` of its scale (0.2: 20 points of a share, 0.8 of a 1–5 mean score);
- it was withheld to protect another one (complementary): it cannot be recomputed exactly
  (its count can take two values at least). Asking more of it is asking the impossible: a
  hidden "without disability" share of 1,500 respondents is, to within a point, the
  published total's.

The auditor knows nothing the public does not: it never reads the warehouse.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipeline.disclosure.cells import DIMENSIONS, CellStructure, refinement_pairs
from pipeline.disclosure.figures import (
    GEOGRAPHY,
    GROUP,
    SHARE_DECIMALS,
    SURVEY_INDICATORS,
    ProtectedFigures,
    cells_of,
    family_frames,
    read_cells,
    weighted_cells,
)
from pipeline.disclosure.parallel import run_in_parallel
from pipeline.disclosure.pattern import DEFAULT_WIDTH
from pipeline.disclosure.protection import StructureCache
from pipeline.disclosure.ranges import Attacker

CONTRASTS_TABLE = "mart_equity_gaps"
PARTICIPATION_TABLE = "mart_participation"
# The share columns of participation, the dimension each refines and the value it counts.
DIMENSION_SHARES = {
    "sex": ("female", "share_women"),
    "age_group": ("youth", "share_youth"),
    "disability": ("with_disability", "share_with_disability"),
    "residence": ("rural", "share_rural"),
}


@dataclass(frozen=True)
class Finding:
    """A withheld estimate that can be narrowed more than allowed."""

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


@dataclass
class AuditReport:
    """What the attacker achieved."""

    cells: int = 0
    solves: int = 0
    seconds: float = 0.0
    # Narrowest range of an estimate withheld for resting on too few people, on its scale
    # (1.0 when there is none).
    narrowest_primary: float = 1.0
    # Fewest whole values a complementary numerator can take, minus one (0: recomputable).
    narrowest_complementary: float = float("inf")
    failures: list[Finding] = field(default_factory=list)
    by_table: dict[str, int] = field(default_factory=dict)
    # Range of every complementary figure on its scale (how far beyond "not exact" they go).
    complementary_widths: list[float] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def merge(self, other: AuditReport) -> None:
        self.cells += other.cells
        self.solves += other.solves
        self.narrowest_primary = min(self.narrowest_primary, other.narrowest_primary)
        self.narrowest_complementary = min(self.narrowest_complementary,
                                           other.narrowest_complementary)
        self.failures += other.failures
        self.complementary_widths += other.complementary_widths
        for key, value in other.by_table.items():
            self.by_table[key] = self.by_table.get(key, 0) + value


@dataclass(frozen=True)
class PublicReference:
    """What the public knows besides the marts: each commune's province and population."""

    commune_provinces: dict[str, str]
    populations: dict[str, float]

    @classmethod
    def from_frame(cls, communes: pd.DataFrame) -> PublicReference:
        return cls(
            commune_provinces=dict(zip(communes["commune_code"], communes["province_code"],
                                       strict=True)),
            populations=dict(zip(communes["commune_code"],
                                 communes["population_2024"].astype(float), strict=True)),
        )


@dataclass(frozen=True)
class FamilyAudit:
    """One family's published cells and the published figures tied to them (families are
    audited side by side)."""

    kind: ProtectedFigures
    family: tuple[object, ...]
    rows: pd.DataFrame
    structure: CellStructure
    weighted: pd.DataFrame | None
    gaps: pd.DataFrame | None
    responses: dict[str, float]
    reference: PublicReference
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
    """Audit every family of every kind of figure in `figures` on the tables of `con`."""
    started = time.perf_counter()
    responses = _commune_responses(con)
    gaps = con.sql(f"""
        select indicator, geography_level, geography_code, dimension, group_a, group_b,
               share_a, share_b
        from {CONTRASTS_TABLE} where not suppressed order by all
    """).df()
    tasks: list[FamilyAudit] = []
    structures = StructureCache(reference.commune_provinces)
    for kind in figures:
        frame = read_cells(con, kind, published=True)
        weighted = weighted_cells(con, kind) if kind.weighted else None
        for family, rows in family_frames(frame, kind):
            tasks.append(FamilyAudit(
                kind, family, rows, structures.get(cells_of(rows, kind)[0]),
                _same_family(weighted, kind, family),
                gaps[gaps["indicator"] == family[0]] if kind is SURVEY_INDICATORS else None,
                responses, reference, threshold, width,
            ))
    participation = None
    if any(kind.table == PARTICIPATION_TABLE for kind in figures):
        participation = _participation_counts(con)
    report = AuditReport()
    for part in run_in_parallel(audit_family, tasks):
        report.merge(part)
    if participation is not None:
        report.merge(_audit_participation_counts(participation, reference, threshold, width))
    report.seconds = time.perf_counter() - started
    return report


def _same_family(weighted: pd.DataFrame | None, kind: ProtectedFigures,
                 family: tuple[object, ...]) -> pd.DataFrame | None:
    if weighted is None:
        return None
    mine = weighted
    for column, value in zip(kind.family, family, strict=True):
        mine = mine[mine[column] == value]
    return mine


def _commune_responses(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Valid responses per commune (published: the total row's `n_respondents`), the
    denominator of the public weights."""
    rows = con.execute(f"""
        select geography_code, max(n_respondents) from {SURVEY_INDICATORS.table}
        where geography_level = 'commune' and breakdown = 'total'
        group by 1
    """).fetchall()
    return {code: float(n) for code, n in rows}


def audit_family(task: FamilyAudit) -> AuditReport:
    """The attacker's ranges for one family's withheld figures."""
    kind, family, rows = task.kind, task.family, task.rows
    threshold, width = task.threshold, task.width
    report = AuditReport()
    cells, index = cells_of(rows, kind)
    structure = task.structure
    published_counts = np.full(len(cells), np.nan)
    published_counts[index] = rows["count"].to_numpy(float)
    # A withheld count (participation) is known only to be below the counts above it; the
    # share it is the denominator of cannot be computed, so its numerator needs only to
    # stay uncertain (two values at least).
    counts = count_ceilings(structure, published_counts)
    unknown = np.isnan(published_counts)
    hidden = np.zeros(len(cells), dtype=bool)
    hidden[index] = rows["hidden"].to_numpy(bool)
    hidden = (hidden | unknown) & (counts > 0)
    # Withheld by design (commune × pair of dimensions): unknowns of every sum; audited when
    # they rest on fewer people than the threshold, like any small group.
    exempt = np.zeros(len(cells), dtype=bool)
    exempt[index] = rows["unpublished"].to_numpy(bool)
    exempt &= counts >= threshold
    targets = np.nonzero(hidden & ~exempt)[0]
    report.cells = len(targets)
    report.by_table[f"{kind.table}.{kind.flag}"] = len(targets)
    if not len(targets):
        return report
    primary = (counts < threshold) & ~unknown
    options = rows.groupby(kind.option, sort=True) if kind.option else [(None, rows)]
    for option, part in options:
        part_index = index[part.index.to_numpy()]
        for numerator in kind.numerators:
            scale = numerator.span * counts
            low = np.zeros(len(cells))
            high = np.zeros(len(cells))
            low[part_index] = part[f"{numerator.name}__low"].to_numpy(float)
            high[part_index] = part[f"{numerator.name}__high"].to_numpy(float)
            low = np.where(hidden | np.isnan(low), 0.0, np.maximum(low, 0.0))
            high = np.where(hidden | np.isnan(high), scale, np.minimum(high, scale))
            extra, extra_low, extra_high = _extra_rows(
                task, option, numerator.name, numerator.offset, structure, counts)
            attacker, kept = _attacker(structure.lines, low, high, extra, extra_low,
                                       extra_high)
            required = np.where(primary, width * scale, np.minimum(1.0, scale))[targets]
            ranges = attacker.ranges(np.searchsorted(kept, targets), required)
            report.solves += ranges.solves
            widths = ranges.widths()
            sensitive = primary[targets]
            if sensitive.any():
                report.narrowest_primary = min(
                    report.narrowest_primary,
                    float(np.min(widths[sensitive] / scale[targets][sensitive])))
            if (~sensitive).any():
                report.narrowest_complementary = min(report.narrowest_complementary,
                                                     float(np.min(widths[~sensitive])))
                report.complementary_widths += (
                    widths[~sensitive] / scale[targets][~sensitive]).tolist()
            name = f"{numerator.name}:{option}" if option is not None else numerator.name
            for position in np.nonzero(widths < required - 1e-9)[0]:
                cell = cells.iloc[targets[position]]
                report.failures.append(Finding(
                    table=kind.table, family=",".join(map(str, family)), numerator=name,
                    geography_level=cell["geography_level"],
                    geography_code=cell["geography_code"], breakdown=cell["breakdown"],
                    group_key=cell["group_key"], count=float(counts[targets[position]]),
                    low=float(ranges.low[position]), high=float(ranges.high[position]),
                    required=float(required[position]),
                ))
    return report


def _extra_rows(
    task: FamilyAudit,
    option: object,
    numerator: str,
    offset: float,
    structure: CellStructure,
    counts: np.ndarray,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Published weighted figures and equity gaps as rows over the family's cells."""
    size = len(structure.cells)
    parts = []
    if task.weighted is not None and len(task.weighted):
        mine = task.weighted
        if task.kind.option is not None:
            mine = mine[mine[task.kind.option] == option]
        decimals = next(n.decimals for n in task.kind.numerators if n.name == numerator)
        parts.append(_weighted_rows(mine, numerator, 0.5 * 10.0 ** -decimals, offset, task,
                                    structure))
    if task.gaps is not None and numerator == "satisfied":
        parts.append(_gap_rows(task.gaps, structure))
    rows = [part for part in parts if part[0].shape[0]]
    if not rows:
        return sp.csr_matrix((0, size)), np.zeros(0), np.zeros(0)
    matrix = sp.vstack([coefficients for coefficients, _, _ in rows]).tocsr()
    low = np.concatenate([low for _, low, _ in rows])
    high = np.concatenate([high for _, _, high in rows])
    # A published figure whose cells hold nobody says nothing (and its interval, scaled
    # by a total of 0, is no equation).
    total = matrix @ counts
    keep = total > 0
    return matrix[keep], low[keep] * total[keep], high[keep] * total[keep]


def _triplet_rows(rows: int, size: int, row: np.ndarray, cell: np.ndarray,
                  value: np.ndarray) -> sp.csr_matrix:
    return sp.csr_matrix((value, (row, cell)), shape=(rows, size))


def _weighted_rows(
    published: pd.DataFrame, numerator: str, half: float, offset: float, task: FamilyAudit,
    structure: CellStructure,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Each published weighted province or region figure is the weighted sum of its
    communes' numerators over the weighted sum of their counts, with the public weights
    (2024 population over published responses): one row of commune coefficients, between
    the bounds its rounding leaves, per unit of weighted total (multiplied in by the
    caller)."""
    cells = structure.cells
    reference = task.reference
    estimate = published[numerator].to_numpy(float)
    published = published.loc[~np.isnan(estimate), ["geography_level", "geography_code",
                                                     "breakdown", "group_key"]]
    estimate = estimate[~np.isnan(estimate)]
    published = published.reset_index(drop=True).assign(row=lambda frame: frame.index)
    commune = cells.loc[cells["geography_level"] == "commune",
                        ["breakdown", "group_key", "geography_code", "cell"]]
    commune = commune.assign(
        weight=(commune["geography_code"].map(reference.populations)
                / commune["geography_code"].map(task.responses)).fillna(0.0),
        province=commune["geography_code"].map(reference.commune_provinces),
    )
    keys = ["breakdown", "group_key"]
    provinces = published[published["geography_level"] == "province"].merge(
        commune, left_on=[*keys, "geography_code"], right_on=[*keys, "province"],
        suffixes=("", "_commune"))
    # The region's figure is over every commune of the (one-region) map.
    regions = published[published["geography_level"] == "region"].merge(
        commune, on=keys, suffixes=("", "_commune"))
    links = pd.concat([provinces, regions], ignore_index=True)
    matrix = _triplet_rows(len(published), len(cells), links["row"].to_numpy(),
                           links["cell"].to_numpy(), links["weight"].to_numpy(float))
    return matrix, estimate - half - offset, estimate + half - offset


def _gap_rows(gaps: pd.DataFrame, structure: CellStructure
              ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Each published equity gap gives the satisfied share of its two sides (a side may
    join several groups: adults and seniors): a row per side, over the side's cells,
    between the bounds its rounding leaves (per unit of the side's count)."""
    cells = structure.cells
    half = 0.5 * 10.0 ** -SHARE_DECIMALS
    columns = ["geography_level", "geography_code", "dimension"]
    sides = pd.concat([
        gaps[columns].assign(group=gaps[f"group_{side}"], share=gaps[f"share_{side}"],
                             order=np.arange(len(gaps)) * 2 + position)
        for position, side in enumerate(("a", "b"))
    ], ignore_index=True)
    sides = sides[sides["share"].notna()].sort_values("order").reset_index(drop=True)
    sides["row"] = sides.index
    members = sides.assign(group_key=sides["group"].str.split("+")).explode("group_key")
    links = members.merge(
        cells[["geography_level", "geography_code", "breakdown", "group_key", "cell"]],
        left_on=[*columns, "group_key"],
        right_on=["geography_level", "geography_code", "breakdown", "group_key"],
    )
    matrix = _triplet_rows(len(sides), len(cells), links["row"].to_numpy(),
                           links["cell"].to_numpy(), np.ones(len(links)))
    share = sides["share"].to_numpy(float)
    return matrix, share - half, share + half


def _participation_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    shares = [share for _, share in DIMENSION_SHARES.values()]
    return con.sql(f"""
        select geography_level, geography_code, breakdown, group_key,
               attendances::double as count, {", ".join(shares)}
        from {PARTICIPATION_TABLE} order by all
    """).df()


def _audit_participation_counts(
    frame: pd.DataFrame, reference: PublicReference, threshold: int, width: float,
) -> AuditReport:
    """Withheld attendance counts: the numerators of hidden dimension shares. Every
    published count is known, every published share is a count over another, every
    withheld count lies between 0 and the counts above it; how far can each move?"""
    report = AuditReport()
    structure = CellStructure.build(frame, reference.commune_provinces)
    cells = structure.cells
    published = frame["count"].to_numpy(float)
    unknown = np.isnan(published)
    ceilings = count_ceilings(structure, published)
    low = np.where(unknown, 0.0, published)
    high = np.where(unknown, ceilings, published)
    required = np.zeros(len(frame))
    # Each published share is one equation: its counted child between the bounds its
    # rounding leaves, times its parent's published count.
    known_children: list[np.ndarray] = []
    lows: list[np.ndarray] = []
    highs: list[np.ndarray] = []
    half = 0.5 * 10.0 ** -SHARE_DECIMALS
    for dimension, (value, share) in DIMENSION_SHARES.items():
        pairs = refinement_pairs(cells, dimension)
        pairs = pairs[cells[dimension].to_numpy()[pairs["child"].to_numpy()] == value]
        parent, child = pairs["parent"].to_numpy(), pairs["child"].to_numpy()
        estimate = frame[share].to_numpy(float)[parent]
        count = published[parent]
        shown = ~np.isnan(estimate) & ~np.isnan(count)
        known_children.append(child[shown])
        lows.append((estimate[shown] - half) * count[shown])
        highs.append((estimate[shown] + half) * count[shown])
        hidden = ~shown & (ceilings[parent] > 0)
        small = (count < threshold) & ~np.isnan(count)
        np.maximum.at(required, child[hidden],
                      np.where(small[hidden], width * count[hidden], 1.0))
    columns = np.concatenate(known_children)
    extra = _triplet_rows(len(columns), len(frame), np.arange(len(columns)), columns,
                          np.ones(len(columns)))
    attacker, kept = _attacker(structure.lines, low, high, extra, np.concatenate(lows),
                               np.concatenate(highs))
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


def _attacker(identities: sp.csr_matrix, low: np.ndarray, high: np.ndarray,
              extra: sp.csr_matrix, extra_low: np.ndarray,
              extra_high: np.ndarray) -> tuple[Attacker, np.ndarray]:
    """The attacker's program over what is not known exactly (hidden figures, and published
    ones whose rounding leaves more than one possible count)."""
    rows = sp.vstack([identities, extra]).tocsr()
    row_lower = np.concatenate([np.zeros(identities.shape[0]), extra_low])
    row_upper = np.concatenate([np.zeros(identities.shape[0]), extra_high])
    return Attacker.over_unknowns(rows, row_lower, row_upper, low, high)


def count_ceilings(structure: CellStructure, counts: np.ndarray) -> np.ndarray:
    """Known counts as they are; a withheld (NaN) count bounded by the smallest known
    count above it (the total's is always published)."""
    ceilings = np.where(np.isnan(counts), np.inf, counts)
    pairs = structure.refinements
    parent, child = pairs["parent"].to_numpy(), pairs["child"].to_numpy()
    for _ in range(len(DIMENSIONS)):
        np.minimum.at(ceilings, child, ceilings[parent])
    return np.where(np.isinf(ceilings), 0.0, ceilings)


def findings_frame(report: AuditReport) -> pd.DataFrame:
    """The failures as a table (for check metadata and tests)."""
    columns = [*GEOGRAPHY, *GROUP]
    if not report.failures:
        return pd.DataFrame(columns=["table", "family", "numerator", *columns, "count",
                                     "low", "high", "required"])
    return pd.DataFrame([f.__dict__ for f in report.failures])
