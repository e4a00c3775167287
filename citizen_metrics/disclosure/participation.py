"""Disclosure control of workshop participation (`mart_participation`).

Participation figures are counts and shares of counts, which makes them leak differently
from survey figures. The share of women among the 5 attendances of persons with a
disability in a commune is the count of the `female,with_disability` row over 5: publishing
that row's count, or the share of persons with a disability among women (the same count
over the number of women), gives the hidden share away. So here the *counts* of some rows
are suppressed, not only shares:

- the count of a row is suppressed when it is the numerator of a hidden share of the row one
  dimension above it (`female,with_disability` under `with_disability`, whose 5 attendances
  are too few), and every share using that count is suppressed with it (`withheld_shares`
  on rows otherwise published);
- more counts are suppressed until every suppressed one keeps a range of values wide enough
  (`citizen_metrics.disclosure.pattern`, with each count bounded by the counts above it);
- rows for pairs of values nobody had exist with 0 attendances, so that a missing row never
  tells a suppressed count is 0;
- the four dimension shares are not published on pair rows (they would be three-way tables
  whose cells nothing protects); category shares are, under their own flag
  (`categories_suppressed`), protected like survey figures.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd

from citizen_metrics.disclosure.cells import CellStructure, refinement_pairs
from citizen_metrics.disclosure.costs import FigureCosts
from citizen_metrics.disclosure.families import PublicWeights, without_commune_repeats
from citizen_metrics.disclosure.figures import GEOGRAPHY, GROUP, ProtectedFigures, read_cells
from citizen_metrics.disclosure.model import FamilyFigures
from citizen_metrics.disclosure.pattern import DEFAULT_WIDTH, Measure, protect
from citizen_metrics.disclosure.protection import family_tasks, run_tasks
from citizen_metrics.tables.marts import MART_PARTICIPATION

TABLE = MART_PARTICIPATION.name
# Each dimension's share column and the value it counts.
DIMENSION_SHARES = {
    "sex": ("female", "share_women"),
    "age_group": ("youth", "share_youth"),
    "disability": ("with_disability", "share_with_disability"),
    "residence": ("rural", "share_rural"),
}
COUNTS = ("attendances", "unique_participants", "workshops")


def share_links(structure: CellStructure) -> pd.DataFrame:
    """(parent, child, share): the child's count is the numerator of the parent's share
    (`female,with_disability` of `share_women` on `with_disability`)."""
    cells = structure.cells
    parts = []
    for dimension, (value, share) in DIMENSION_SHARES.items():
        pairs = refinement_pairs(cells, dimension)
        pairs = pairs[cells[dimension].to_numpy()[pairs["child"].to_numpy()] == value]
        parts.append(pairs[["parent", "child"]].assign(share=share))
    return pd.concat(parts, ignore_index=True)


def count_ceilings(structure: CellStructure, counts: np.ndarray) -> np.ndarray:
    """The largest value each count can take as a reader knows it: its geography's number
    of attendances, always published. (The counts of the rows above it would be tighter,
    but they may be suppressed themselves; the sums give the rest.)"""
    cells = structure.cells
    totals = pd.Series(counts, index=cells["geography_code"].to_numpy())[
        (cells["breakdown"] == "total").to_numpy()]
    return cells["geography_code"].map(totals).fillna(0.0).to_numpy(float)


def withheld_counts(
    structure: CellStructure, counts: np.ndarray, *, threshold: int, width: float,
    complementary: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Which counts to suppress (and which of them first, for a hidden share above)."""
    links = share_links(structure)
    parents = links["parent"].to_numpy()
    children = links["child"].to_numpy()
    small = (counts > 0) & (counts < threshold)
    first = np.zeros(len(counts), dtype=bool)
    first[children[small[parents]]] = True
    # A suppressed count must keep `width` of the hidden share it is the numerator of; one
    # that is the numerator of a share suppressed with it must not be recomputable; one that
    # is the numerator of no share (men, urban residents…) needs nothing for itself.
    required = np.zeros(len(counts))
    np.maximum.at(required, children, np.select(
        [small[parents], counts[parents] > 0], [width * counts[parents], 1.0], 0.0))
    measure = Measure("attendances", counts, count_ceilings(structure, counts), counts, counts,
                      required)
    # Every row may be suppressed, with or without attendances, except the totals: a
    # geography's number of attendances is always published.
    withholdable = (structure.cells["breakdown"] != "total").to_numpy()
    found = protect(FamilyFigures(structure), counts, [measure],
                    FigureCosts.of(structure.cells, counts), threshold=threshold,
                    primary=first, exists=withholdable, complementary=complementary)
    return found.hidden, found.primary


def protect_participation(
    con: duckdb.DuckDBPyConnection,
    categories: ProtectedFigures,
    public: PublicWeights,
    *,
    threshold: int,
    width: float = DEFAULT_WIDTH,
    complementary: bool = True,
) -> dict[str, int]:
    """Suppress counts, dimension shares and category shares of `mart_participation`."""
    category_cells = read_cells(con, categories, published=False)
    frame = without_commune_repeats(con.sql(f"""
        select {", ".join([*GEOGRAPHY, *GROUP])}, attendances::double as count
        from {TABLE} order by all
    """).df())
    structure = CellStructure.build(frame, public.commune_provinces, public.commune_types)
    counts = frame["count"].to_numpy(float)
    withheld, first = withheld_counts(structure, counts, threshold=threshold, width=width,
                                      complementary=complementary)
    links = share_links(structure)
    exposed = links[withheld[links["child"].to_numpy()]
                    & ~withheld[links["parent"].to_numpy()]]
    small = (counts > 0) & (counts < threshold)

    rows = frame[[*GEOGRAPHY, *GROUP]].copy()
    rows["counts_withheld"] = withheld
    rows["count_reason"] = np.where(first, "primary", "complementary")
    rows["small"] = small
    shares = exposed.groupby("parent")["share"].agg(lambda s: ",".join(sorted(s)))
    rows["withheld_shares"] = pd.Series(shares).reindex(range(len(rows))).to_numpy()

    key = [*GEOGRAPHY, *GROUP]
    tasks = [
        replace(task, already_hidden=task.family.cells[key].merge(
            rows[[*key, "counts_withheld"]], on=key, how="left"
        )["counts_withheld"].fillna(False).to_numpy(bool))
        for task in family_tasks(category_cells, None, categories, public, threshold, width,
                                 complementary)
    ]
    ((category_pattern, _),) = run_tasks(tasks)
    _apply(con, rows, category_pattern, public.commune_types)
    return {
        "counts_withheld": int(withheld.sum()),
        "shares_primary": int(small.sum()),
        "categories_withheld": len(category_pattern),
    }


def _apply(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame,
           category_pattern: pd.DataFrame, commune_types: dict[str, str]) -> None:
    """Write the pattern into the mart (base rows), then copy it to the commune rows by
    commune type, which repeat them."""
    dimension_shares = [share for _, share in DIMENSION_SHARES.values()]
    category_shares = [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_name = ? "
        "and column_name like 'share_%' order by ordinal_position", [TABLE]).fetchall()
        if c not in dimension_shares]
    key = [*GEOGRAPHY, *GROUP]
    match = " and ".join(f"t.{k} = p.{k}" for k in key)
    con.register("participation_pattern", rows.astype({k: "string" for k in key}))
    con.register("category_pattern", category_pattern.astype(
        {k: "string" for k in key} | {"reason": "string"}))
    try:
        con.execute(f"""
            update {TABLE} t set
                suppressed = p.small or p.counts_withheld,
                suppression = case when p.small then 'primary'
                                   when p.counts_withheld then p.count_reason end,
                withheld_shares = case when not (p.small or p.counts_withheld)
                                       then p.withheld_shares end,
                {", ".join(
                    f"{c} = case when p.counts_withheld then null else {c} end"
                    for c in COUNTS)},
                {", ".join(
                    f"{s} = case when p.small or p.counts_withheld "
                    f"or list_contains(string_split(coalesce(p.withheld_shares, ''), ','), "
                    f"'{s}') then null else {s} end"
                    for s in dimension_shares)}
            from participation_pattern p where {match}
        """)
        con.execute(f"""
            update {TABLE} t set categories_suppressed = true,
                {", ".join(f"{c} = null" for c in category_shares)}
            from category_pattern p where {match}
        """)
    finally:
        con.unregister("participation_pattern")
        con.unregister("category_pattern")
    copied = ["suppressed", "suppression", "withheld_shares", "categories_suppressed",
              *COUNTS, *dimension_shares, *category_shares]
    con.execute(f"""
        update {TABLE} t set {", ".join(f"{c} = b.{c}" for c in copied)}
        from {TABLE} b join ref_communes r on r.commune_code = b.geography_code
        where t.geography_level = 'commune' and b.geography_level = 'commune'
          and t.geography_code = b.geography_code
          and t.breakdown = case when b.breakdown = 'total' then 'commune_type'
                                 else b.breakdown || ',commune_type' end
          and t.group_key = case when b.breakdown = 'total' then r.commune_type
                                 else b.group_key || ',' || r.commune_type end
    """)
