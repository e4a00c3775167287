"""Primary and complementary suppression: hand-worked cases and a property test."""

from __future__ import annotations

import itertools

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import disclosure
from pipeline.disclosure import SuppressionSpec

SPEC = SuppressionSpec(
    table="figures", cell_keys=("indicator",), measure="n", flag="suppressed",
    estimates=("estimate",),
)


def table(rows: list[tuple[str, str, int]]) -> duckdb.DuckDBPyConnection:
    """A mart-shaped table with one geography: (breakdown, group_key, n)."""
    con = duckdb.connect()
    con.execute(
        "create table figures (geography_level varchar, geography_code varchar, "
        "indicator varchar, breakdown varchar, group_key varchar, n bigint, estimate double, "
        "suppressed boolean, suppression varchar)"
    )
    con.executemany(
        "insert into figures values ('commune', '050910101', 'sat_overall', ?, ?, ?, 0.5, "
        "false, null)",
        rows,
    )
    return con


def hidden(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(
        con.execute(
            "select breakdown || ':' || group_key, suppression from figures where suppressed"
        ).fetchall()
    )


def test_one_small_group_hides_the_next_smallest() -> None:
    con = table([("total", "all", 58), ("sex", "female", 30), ("sex", "male", 25),
                 ("sex", "unknown", 3)])
    counts = disclosure.apply(con, SPEC, threshold=10)
    assert hidden(con) == {"sex:unknown": "primary", "sex:male": "complementary"}
    assert counts == {"primary": 1, "complementary": 1}
    assert con.execute(
        "select count(*) from figures where suppressed and estimate is not null"
    ).fetchone() == (0,)
    assert con.execute("select n from figures where group_key = 'unknown'").fetchone() == (3,)


def test_two_small_groups_protect_each_other() -> None:
    con = table([("total", "all", 60), ("residence", "urban", 50), ("residence", "rural", 6),
                 ("residence", "unknown", 4)])
    disclosure.apply(con, SPEC, threshold=10)
    assert hidden(con) == {"residence:rural": "primary", "residence:unknown": "primary"}


def test_one_small_cell_of_a_two_by_two_table_hides_all_four() -> None:
    con = table([
        ("total", "all", 69), ("sex", "female", 24), ("sex", "male", 45),
        ("residence", "rural", 19), ("residence", "urban", 50),
        ("sex,residence", "female,rural", 4), ("sex,residence", "female,urban", 20),
        ("sex,residence", "male,rural", 15), ("sex,residence", "male,urban", 30),
    ])
    disclosure.apply(con, SPEC, threshold=10)
    # female,rural is small; its row (female,urban) and column (male,rural) follow, and
    # then male,urban, the last visible cell of the male row and of the urban column.
    assert hidden(con) == {
        "sex,residence:female,rural": "primary",
        "sex,residence:female,urban": "complementary",
        "sex,residence:male,rural": "complementary",
        "sex,residence:male,urban": "complementary",
    }


def test_scope_limits_the_rule() -> None:
    con = table([("total", "all", 5), ("sex", "female", 3), ("sex", "male", 2)])
    spec = SuppressionSpec(table="figures", cell_keys=("indicator",), measure="n",
                           flag="suppressed", estimates=("estimate",), scope="breakdown = 'sex'")
    disclosure.apply(con, spec, threshold=10)
    assert set(hidden(con)) == {"sex:female", "sex:male"}


DIMENSIONS = {"sex": ["female", "male", "unknown"], "residence": ["urban", "rural"]}


@st.composite
def breakdown_tables(draw) -> list[tuple[str, str, int]]:
    """Random counts per sex × residence cell, rolled up into every breakdown."""
    cells = {
        (s, r): draw(st.integers(min_value=0, max_value=40))
        for s, r in itertools.product(DIMENSIONS["sex"], DIMENSIONS["residence"])
    }
    rows = [("total", "all", sum(cells.values()))]
    for s in DIMENSIONS["sex"]:
        rows.append(("sex", s, sum(n for (cs, _), n in cells.items() if cs == s)))
    for r in DIMENSIONS["residence"]:
        rows.append(("residence", r, sum(n for (_, cr), n in cells.items() if cr == r)))
    rows += [("sex,residence", f"{s},{r}", n) for (s, r), n in cells.items()]
    return rows


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=breakdown_tables(), threshold=st.integers(min_value=1, max_value=15))
def test_no_suppressed_figure_is_derivable(rows, threshold: int) -> None:
    con = table(rows)
    disclosure.apply(con, SPEC, threshold=threshold)
    published = {
        (b, g): (n, s)
        for b, g, n, s in con.execute(
            "select breakdown, group_key, n, suppressed from figures").fetchall()
    }
    # No published estimate rests on fewer units than the threshold.
    assert all(n >= threshold for n, s in published.values() if not s)
    # Every line (a breakdown with all dimensions but one fixed) whose sum is published
    # (its margin) hides either none of its members or at least two.
    lines: dict[tuple, list[bool]] = {}
    for (breakdown, group), (n, suppressed) in published.items():
        if breakdown == "total" or n == 0:
            continue  # an empty cell has no estimate to recompute
        values = group.split(",")
        for position in range(len(values)):
            fixed = tuple(v for i, v in enumerate(values) if i != position)
            lines.setdefault((breakdown, position, fixed), []).append(suppressed)
    for (breakdown, position, fixed), flags in lines.items():
        margin = ("total", "all") if len(fixed) == 0 else (
            breakdown.split(",")[1 - position], fixed[0])
        if published[margin][1]:
            continue  # the margin itself is hidden: nothing to subtract from
        assert sum(flags) != 1 or len(flags) == 1, (breakdown, fixed, flags)
