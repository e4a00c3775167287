"""Statistical disclosure control of the published marts (INDICATORS.md §5).

Primary suppression: a group with fewer than `threshold` units (rated respondents for scores
and shares) publishes no estimate. Complementary suppression: the figures of one breakdown
add up to the total, so if exactly one group of a dimension were hidden it could be
recomputed from the total and its siblings; the next smallest group is hidden too.

For a pair breakdown (e.g. sex × residence) every row and every column of the little table
is such a "line" (the margins are the one-dimension breakdowns), and hiding one cell can
leave another line with a single hidden cell, so the rule is applied again until no line has
exactly one. Each pass is one set-based UPDATE; a handful of passes suffice.

Counts stay published; only estimates are set to NULL. A group with no unit at all (an empty
cell) has no estimate to protect and does not count as hidden in its line.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

MAX_PASSES = 50


@dataclass(frozen=True)
class SuppressionSpec:
    """How to protect one mart table.

    - cell_keys: columns that, with breakdown and group_key, identify a published figure
      whose groups add up to a total (e.g. indicator and estimate_type).
    - measure: the count the threshold applies to (n_rated, n_respondents, attendances).
    - flag: the boolean column that marks the row's estimates as suppressed.
    - estimates: the columns set to NULL when suppressed.
    - reason: a column that records `primary` or `complementary` (None: no such column).
    - scope: an SQL condition selecting the rows the rule applies to.
    """

    table: str
    cell_keys: tuple[str, ...]
    measure: str
    flag: str
    estimates: tuple[str, ...]
    reason: str | None = "suppression"
    scope: str = "true"


def _lines_sql(spec: SuppressionSpec) -> str:
    """Every (line, member) pair: a line is a breakdown with all dimensions but one fixed."""
    keys = ", ".join(("geography_level", "geography_code", *spec.cell_keys))
    return f"""
        select {keys}, breakdown, group_key, {spec.measure} as measure, {spec.flag} as hidden,
               position as varying,
               list_filter(string_split(group_key, ','), lambda value, i: i != position)
                   as fixed
        from {spec.table},
             range(1, len(string_split(breakdown, ',')) + 1) as positions(position)
        where breakdown <> 'total' and coalesce({spec.measure}, 0) > 0 and ({spec.scope})
    """


def apply(con: duckdb.DuckDBPyConnection, spec: SuppressionSpec, threshold: int) -> dict[str, int]:
    """Primary then complementary suppression on `spec.table`, in place."""
    keys = ("geography_level", "geography_code", *spec.cell_keys)
    key_list = ", ".join(keys)
    reason = f", {spec.reason} = 'primary'" if spec.reason else ""
    con.execute(
        f"update {spec.table} set {spec.flag} = true{reason} "
        f"where coalesce({spec.measure}, 0) < {threshold} and ({spec.scope})"
    )
    primary = con.execute(f"select count(*) from {spec.table} where {spec.flag}").fetchone()[0]
    complementary = 0
    for _ in range(MAX_PASSES):
        con.execute(
            f"""
            create or replace temp table to_hide as
            with lines as ({_lines_sql(spec)}),
            exposed as (
                select {key_list}, breakdown, varying, fixed
                from lines
                group by {key_list}, breakdown, varying, fixed
                having count(*) filter (hidden) = 1 and count(*) filter (not hidden) >= 1
            ),
            candidates as (
                select l.*, row_number() over (
                    partition by {", ".join(f"l.{k}" for k in keys)}, l.breakdown, l.varying,
                                 l.fixed
                    order by l.measure, l.group_key
                ) as pick
                from lines l join exposed e using ({key_list}, breakdown, varying, fixed)
                where not l.hidden
            )
            select distinct {key_list}, breakdown, group_key from candidates where pick = 1
            """
        )
        hidden_now = con.execute("select count(*) from to_hide").fetchone()[0]
        if hidden_now == 0:
            break
        comp_reason = f", {spec.reason} = 'complementary'" if spec.reason else ""
        con.execute(
            f"""
            update {spec.table} t set {spec.flag} = true{comp_reason}
            from to_hide h
            where {" and ".join(f"t.{k} = h.{k}" for k in (*keys, "breakdown", "group_key"))}
            """
        )
        complementary += hidden_now
    else:
        raise RuntimeError(f"complementary suppression of {spec.table} did not converge")
    nulls = ", ".join(f"{column} = null" for column in spec.estimates)
    con.execute(f"update {spec.table} set {nulls} where {spec.flag} and ({spec.scope})")
    return {"primary": primary, "complementary": complementary}
