"""The interval macros of citizen_metrics/build/sql/duckdb_macros.sql against independent
implementations."""

from __future__ import annotations

import math

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from citizen_metrics.build.runner import MACRO_VARIABLES, Z_95, render

Z = 1.959964


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(render("duckdb_macros", MACRO_VARIABLES))
    return connection


def test_z_is_the_contract_value() -> None:
    assert Z_95 == 1.959964


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=1, max_value=5000), data=st.data())
def test_wilson_matches_statsmodels(con, n: int, data) -> None:
    successes = data.draw(st.integers(min_value=0, max_value=n))
    low, high = con.execute(
        "select wilson_low(?::double / ?, ?), wilson_high(?::double / ?, ?)",
        [successes, n, n, successes, n, n],
    ).fetchone()
    # statsmodels uses the exact normal quantile (1.95996398…), the contract 1.959964.
    expected_low, expected_high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(expected_low, abs=1e-6)
    assert high == pytest.approx(expected_high, abs=1e-6)


def test_wilson_by_hand(con) -> None:
    # 6 satisfied of 11: p = 6/11, z² = 3.841459, centre = (p + z²/22)/(1 + z²/11).
    p, n = 6 / 11, 11
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    low, high = con.execute("select wilson_low(6 / 11, 11), wilson_high(6 / 11, 11)").fetchone()
    assert (low, high) == (pytest.approx(centre - half), pytest.approx(centre + half))
    assert low == pytest.approx(0.2801, abs=1e-4) and high == pytest.approx(0.7873, abs=1e-4)


def test_newcombe_hybrid_score_by_hand(con) -> None:
    # Newcombe (1998), example (method 10): 56/70 vs 48/80 gives 0.0524 to 0.3339.
    row = con.execute(
        """
        select newcombe_low(p1, wilson_low(p1, 70), wilson_high(p1, 70),
                            p2, wilson_low(p2, 80), wilson_high(p2, 80)),
               newcombe_high(p1, wilson_low(p1, 70), wilson_high(p1, 70),
                             p2, wilson_low(p2, 80), wilson_high(p2, 80))
        from (select 56 / 70 as p1, 48 / 80 as p2)
        """
    ).fetchone()
    assert row[0] == pytest.approx(0.0524, abs=1e-4)
    assert row[1] == pytest.approx(0.3339, abs=1e-4)


def test_wilson_with_nothing_observed_is_null(con) -> None:
    assert con.execute("select wilson_low(0.5, 0)").fetchone() == (None,)


def test_published_rounding_macro_rounds_decimal_halves_away_from_zero(con) -> None:
    """The macro the option ranks use: 0.06125 (a double a hair below) and 1/32 = 0.03125
    (exact) both go away from zero at 4 decimals; 2.5625 at 3; NULL stays NULL."""
    assert con.execute(
        "select published_round(0.47 - 0.53125, 4), published_round(1 / 32, 4), "
        "published_round(41 / 16, 3), published_round(null::double, 4)"
    ).fetchone() == (-0.0613, 0.0313, 2.563, None)
