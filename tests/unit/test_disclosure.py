"""Disclosure control: weighted zeros, stable ranks, and an attacker that finds leaks.

The auditor is tried on small published tables written by hand, where the leak (or its
absence) is worked out in the comments. (The whole chain on random data:
integration/test_disclosure_random_data.py.)
"""

from __future__ import annotations

import itertools
import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from citizen_metrics.ingest.reference_lists import Reference
from tests.support import build_marts, communes_of, run_auditor

Z = 1.959964


def wilson_high_at_zero(n: float) -> float:
    """Wilson's upper bound for an observed share of 0 on n: (z²/n) / (1 + z²/n)."""
    return (Z * Z / n) / (1 + Z * Z / n)


def two_communes(reference: Reference) -> tuple[str, str]:
    """Two communes of one province (public reference)."""
    communes = communes_of(reference).sort_values("commune_code")
    province = communes["province_code"].iloc[0]
    first, second = communes[communes["province_code"] == province]["commune_code"].iloc[:2]
    return first, second


def people(commune: str, count: int, **answers: object) -> pd.DataFrame:
    return pd.DataFrame({
        "commune_code": [commune] * count, "sex": "female", "age_group": "adult",
        "disability": "without_disability", "residence": "rural", **answers,
    })


# --- weighted zeros and ranks -----------------------------------------------------------------


def test_weighted_share_of_zero_is_zero_with_its_interval(reference) -> None:
    # 12 respondents in each of two communes of one province, none satisfied with waste
    # collection (scores 1 to 3) and none using it: the weighted province share is 0, not
    # missing, with Wilson's interval from 0 to z²/n_eff / (1 + z²/n_eff).
    c1, c2 = two_communes(reference)
    scores = [1, 2, 3] * 4
    responses = pd.concat([
        people(c1, 12, sat_dechets=scores, used_dechets="yes"),
        people(c2, 12, sat_dechets=scores, used_dechets="yes"),
    ], ignore_index=True)
    responses["sat_dechets"] = responses["sat_dechets"].astype("Int64")
    con = build_marts(reference, responses)
    populations = communes_of(reference).set_index("commune_code")["population_2024"]
    w1, w2 = populations[c1] / 12, populations[c2] / 12
    n_eff = (12 * w1 + 12 * w2) ** 2 / (12 * w1 ** 2 + 12 * w2 ** 2)
    share, low, high, eff, suppressed = con.execute(
        "select satisfied_share, ci_low, ci_high, n_eff, suppressed "
        "from mart_survey_indicators where geography_level = 'province' "
        "and breakdown = 'total' and indicator = 'sat_dechets' and estimate_type = 'weighted'"
    ).fetchone()
    assert (share, low, suppressed) == (0.0, 0.0, False)
    assert eff == pytest.approx(n_eff, abs=0.05)
    # a weighted share's interval is published to a whole point, rounded outwards
    assert high == math.ceil(wilson_high_at_zero(n_eff) * 100) / 100
    # the same with the usage of a service nobody uses
    usage = con.execute(
        "select usage_rate, usage_suppressed from mart_survey_indicators "
        "where geography_level = 'province' and breakdown = 'total' "
        "and indicator = 'sat_eau_assainissement' and estimate_type = 'weighted'"
    ).fetchone()
    assert usage == (None, False)  # nobody answered the question: no rate, nothing hidden


def test_a_weighted_usage_rate_of_zero_is_zero(reference) -> None:
    c1, c2 = two_communes(reference)
    responses = pd.concat([people(c1, 12, used_voirie="no"), people(c2, 11, used_voirie="no")],
                          ignore_index=True)
    responses["sat_voirie"] = pd.array([None] * len(responses), dtype="Int64")
    con = build_marts(reference, responses)
    rates = con.execute(
        "select estimate_type, usage_rate, usage_suppressed from mart_survey_indicators "
        "where geography_level = 'region' and breakdown = 'total' and indicator = 'sat_voirie' "
        "order by 1"
    ).fetchall()
    assert rates == [("unweighted", 0.0, False), ("weighted", 0.0, False)]


def test_options_with_equal_shares_share_a_rank(reference) -> None:
    # 20 respondents: 7 cite radio_tv, 7 association, 3 workshop, 3 none. Two runs, weighted
    # or not, give radio_tv and association rank 1, workshop and none rank 3.
    c1, _ = two_communes(reference)
    channels = (["radio_tv"] * 7 + ["association"] * 7 + ["workshop"] * 3 + ["none"] * 3)
    responses = people(c1, 20, info_channels=channels)
    ranks = []
    for _ in range(2):
        con = build_marts(reference, responses, 10, "mart_survey_options")
        ranks.append(con.execute(
            "select estimate_type, option, rank, n_citing from mart_survey_options "
            "where geography_level = 'commune' and breakdown = 'total' "
            "and question = 'info_channels' and option in "
            "('radio_tv', 'association', 'workshop', 'none') order by 1, 2"
        ).fetchall())
    assert ranks[0] == ranks[1]
    assert {(kind, option, rank) for kind, option, rank, _ in ranks[0]} == {
        (kind, option, rank) for kind in ("unweighted", "weighted")
        for option, rank in (("association", 1), ("radio_tv", 1), ("none", 3), ("workshop", 3))
    }


def test_a_withheld_option_share_publishes_no_count_citing_it(reference) -> None:
    c1, c2 = two_communes(reference)
    responses = pd.concat([
        people(c1, 30, info_channels=["radio_tv"] * 10 + ["association"] * 20),
        people(c2, 4, info_channels=["radio_tv"] * 3 + ["association"]),
    ], ignore_index=True)
    con = build_marts(reference, responses, 10, "mart_survey_options")
    leaking = con.execute(
        "select count(*) from mart_survey_options where suppressed and n_citing is not null"
    ).fetchone()[0]
    withheld = con.execute(
        "select count(*) from mart_survey_options where suppressed and n_respondents = 4"
    ).fetchone()[0]
    assert leaking == 0 and withheld > 0


# --- the auditor on tables written by hand ------------------------------------------------------

MART_COLUMNS = {
    "geography_level": "varchar", "geography_code": "varchar", "breakdown": "varchar",
    "group_key": "varchar", "indicator": "varchar", "estimate_type": "varchar",
    "n_respondents": "bigint", "n_rated": "bigint", "n_use_answered": "bigint",
    "usage_rate": "double", "mean_score": "double", "satisfied_share": "double",
    "suppressed": "boolean", "suppression": "varchar", "usage_suppressed": "boolean",
}


def published(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    """A published `mart_survey_indicators` written by hand: (level, code, breakdown,
    group, estimate type, n_rated, satisfied count or None when withheld, reason)."""
    records = []
    for level, code, breakdown, group, kind, rated, satisfied, reason in rows:
        shown = satisfied is not None
        records.append({
            "geography_level": level, "geography_code": code, "breakdown": breakdown,
            "group_key": group, "indicator": "sat_overall", "estimate_type": kind,
            "n_respondents": rated, "n_rated": rated, "n_use_answered": None,
            "usage_rate": None,
            # every satisfied respondent gave 4, every other one 2
            "mean_score": round((4 * satisfied + 2 * (rated - satisfied)) / rated, 2)
            if shown else None,
            "satisfied_share": round(satisfied / rated, 3) if shown else None,
            "suppressed": not shown, "suppression": reason, "usage_suppressed": False,
        })
    con = duckdb.connect()
    frame = pd.DataFrame(records).astype({"n_use_answered": "Int64"})
    con.register("frame", frame)
    columns = ", ".join(f"{name}::{kind} as {name}" for name, kind in MART_COLUMNS.items())
    con.execute(f"create table mart_survey_indicators as select {columns} from frame")
    con.execute("create table mart_equity_gaps (indicator varchar, geography_level varchar, "
                "geography_code varchar, dimension varchar, group_a varchar, group_b varchar, "
                "share_a double, share_b double, suppressed boolean)")
    return con


def test_auditor_finds_a_single_hidden_group_beside_its_total(reference) -> None:
    # Men: 3 rated, hidden; women 17 (9 satisfied) and the total 20 (10) published: the men's
    # count is 10 − 9 = 1, exactly.
    c1, _ = two_communes(reference)
    report = run_auditor(published([
        ("commune", c1, "total", "all", "unweighted", 20, 10, None),
        ("commune", c1, "sex", "female", "unweighted", 17, 9, None),
        ("commune", c1, "sex", "male", "unweighted", 3, None, "primary"),
    ]), reference)
    assert not report.passed
    (finding,) = [f for f in report.failures if f.numerator == "satisfied"]
    assert (finding.group_key, finding.low, finding.high) == ("male", pytest.approx(1),
                                                              pytest.approx(1))


def test_auditor_passes_the_protected_pattern(reference) -> None:
    # Men (3) and women (17) both hidden, total 20 (10) published: men 0..3 (the whole
    # scale), women 7..10 (four values): protected.
    c1, _ = two_communes(reference)
    report = run_auditor(published([
        ("commune", c1, "total", "all", "unweighted", 20, 10, None),
        ("commune", c1, "sex", "female", "unweighted", 17, None, "complementary"),
        ("commune", c1, "sex", "male", "unweighted", 3, None, "primary"),
    ]), reference)
    assert report.passed, report.failures
    assert report.cells == 2
    assert report.narrowest_primary == pytest.approx(1.0)


def test_auditor_finds_a_hidden_commune_under_its_published_province(reference) -> None:
    # The province has two communes (in the test's reference): c2 (5 rated) hidden, c1
    # (30, 12 satisfied) and the province (35, 14) published: c2 has 14 − 12 = 2.
    c1, c2 = two_communes(reference)
    province = c1[:5]
    communes = communes_of(reference)
    others = communes[(communes["province_code"] == province)
                      & ~communes["commune_code"].isin([c1, c2])]
    assert len(others), "the test needs a province with more communes than two"
    report = run_auditor(published([
        ("commune", c1, "total", "all", "unweighted", 30, 12, None),
        ("commune", c2, "total", "all", "unweighted", 5, None, "primary"),
        ("province", province, "total", "all", "unweighted", 35, 14, None),
    ]), reference)
    (finding,) = [f for f in report.failures if f.numerator == "satisfied"]
    assert (finding.geography_code, finding.low, finding.high) == (
        c2, pytest.approx(2), pytest.approx(2))


def test_auditor_finds_hidden_communes_through_a_weighted_province(reference) -> None:
    # Women hidden in both communes (5 and 6 rated), men published, the province's women
    # published unweighted (11 rated, 5 satisfied) and weighted: two equations with
    # different public weights pin both communes' counts (2 and 3).
    c1, c2 = two_communes(reference)
    province = c1[:5]
    populations = communes_of(reference).set_index("commune_code")["population_2024"]
    w1, w2 = populations[c1] / 15, populations[c2] / 16  # 15 and 16 respondents
    weighted_share = (2 * w1 + 3 * w2) / (5 * w1 + 6 * w2)
    con = published([
        ("commune", c1, "total", "all", "unweighted", 15, 6, None),
        ("commune", c1, "sex", "female", "unweighted", 5, None, "primary"),
        ("commune", c1, "sex", "male", "unweighted", 10, None, "complementary"),
        ("commune", c2, "total", "all", "unweighted", 16, 7, None),
        ("commune", c2, "sex", "female", "unweighted", 6, None, "primary"),
        ("commune", c2, "sex", "male", "unweighted", 10, None, "complementary"),
        ("province", province, "sex", "female", "unweighted", 11, 5, None),
    ])
    report = run_auditor(con, reference)
    assert report.passed  # unweighted alone: c1 women 0..5 against c2 women, protected
    con.execute(f"""
        insert into mart_survey_indicators (geography_level, geography_code, breakdown,
            group_key, indicator, estimate_type, n_respondents, n_rated, satisfied_share,
            mean_score, suppressed, usage_suppressed)
        values ('province', '{province}', 'sex', 'female', 'sat_overall', 'weighted', 11, 11,
                {round(weighted_share, 2)}, null, false, false)
    """)
    report = run_auditor(con, reference)
    pinned = {(f.geography_code, round(f.low), round(f.high))
              for f in report.failures if f.numerator == "satisfied" and f.group_key == "female"}
    assert pinned == {(c1, 2, 2), (c2, 3, 3)}


def test_auditor_tries_whole_numbers_where_the_linear_range_is_wide(reference) -> None:
    # Three communes of one province (15, 16 and 17 respondents: public weights population
    # / respondents). Women are withheld in each (8, 5 and 6 rated; 6, 1 and 2 satisfied),
    # men with them; the province's women are published unweighted (19 rated, 9 satisfied)
    # and weighted (56 %, to a whole point). Linearly, the first commune's women keep 4 to
    # 6 satisfied, more than 0.2 of 8; but of the whole-number triples summing to 9, only
    # one gives a weighted share that rounds to 56 %: every count is pinned.
    communes = communes_of(reference).sort_values("commune_code")
    province = communes["province_code"].iloc[0]
    codes = communes[communes["province_code"] == province]["commune_code"].iloc[:3].tolist()
    populations = communes.set_index("commune_code")["population_2024"]
    respondents, women, satisfied_women = [15, 16, 17], [8, 5, 6], [6, 1, 2]
    satisfied_men = [3, 5, 4]
    weights = np.array([populations[c] / n for c, n in zip(codes, respondents, strict=True)])
    share = float(weights @ satisfied_women / (weights @ women))
    rows = [("province", province, "sex", "female", "unweighted", 19, 9, None)]
    for code, n, rated, sat_w, sat_m in zip(codes, respondents, women, satisfied_women,
                                            satisfied_men, strict=True):
        rows += [("commune", code, "total", "all", "unweighted", n, sat_w + sat_m, None),
                 ("commune", code, "sex", "female", "unweighted", rated, None, "primary"),
                 ("commune", code, "sex", "male", "unweighted", n - rated, None,
                  "complementary")]
    con = published(rows)
    con.execute(f"""
        insert into mart_survey_indicators (geography_level, geography_code, breakdown,
            group_key, indicator, estimate_type, n_respondents, n_rated, satisfied_share,
            mean_score, suppressed, usage_suppressed)
        values ('province', '{province}', 'sex', 'female', 'sat_overall', 'weighted', 19, 19,
                {round(share, 2)}, null, false, false)
    """)
    # The second method: every whole-number triple, kept where it reproduces what is
    # published.
    low, high = (round(share, 2) - 0.005) * (weights @ women), (
        round(share, 2) + 0.005) * (weights @ women)
    triples = [t for t in itertools.product(*(range(n + 1) for n in women))
               if sum(t) == 9 and low <= weights @ np.array(t) <= high]
    assert triples == [tuple(satisfied_women)]
    report = run_auditor(con, reference)
    women_found = [f for f in report.failures
                   if f.numerator == "satisfied" and f.group_key == "female"]
    # Linearly, only the third commune's women are too narrow (1 to 2 satisfied of 6).
    assert {f.geography_code for f in women_found if f.attack == "linear"} == {codes[2]}
    assert {(f.geography_code, f.low, f.high) for f in women_found
            if f.attack == "whole numbers"} == {
        (code, value, value) for code, value in zip(codes, satisfied_women, strict=True)}
    assert report.integer_checks >= 1


def test_a_second_commune_protects_the_first_under_a_published_province(reference) -> None:
    # Three communes of one province: 30, 5 and 25 respondents. The 5 are withheld; their
    # figure is the province's minus the other two, so one more figure must go: a commune's
    # total (cheaper) rather than the province's, which stays published. (Its weighted
    # twin is a second equation on the two withheld communes: it goes, or a third commune.)
    communes = communes_of(reference).sort_values("commune_code")
    province = communes["province_code"].iloc[0]
    c1, c2, c3 = communes[communes["province_code"] == province]["commune_code"].iloc[:3]
    responses = pd.concat([
        people(c1, 30, sat_overall=[4, 2, 5] * 10),
        people(c2, 5, sat_overall=[4, 4, 1, 2, 5]),
        people(c3, 25, sat_overall=[1, 4, 5, 3, 2] * 5),
    ], ignore_index=True)
    responses["sat_overall"] = responses["sat_overall"].astype("Int64")
    con = build_marts(reference, responses, 10, "mart_survey_indicators", "mart_equity_gaps")
    totals = dict(con.execute("""
        select geography_code || ':' || estimate_type, suppression
        from mart_survey_indicators
        where breakdown = 'total' and indicator = 'sat_overall'
          and geography_level in ('commune', 'province')
    """).fetchall())
    assert totals[f"{province}:unweighted"] is None
    assert totals[f"{c2}:unweighted"] == "primary"
    assert {totals[f"{c1}:unweighted"], totals[f"{c3}:unweighted"]} == {"complementary", None}
    report = run_auditor(con, reference)
    assert report.passed, report.failures[:5]
    assert report.narrowest_primary >= 0.2 - 1e-9


def test_whole_number_combinations_match_a_plain_enumeration() -> None:
    # The attacker's whole-number search (a grid summed axis by axis) against the plainest
    # second method: every tuple of whole numbers listed with itertools, kept when it
    # reproduces the plain sum (when known) and the weighted band; on random small cases,
    # with and without a known plain sum, including a single term fixed by the sum.
    from citizen_metrics.disclosure.attacker.integers import _combinations

    generator = np.random.default_rng(17)
    tried = found = 0
    for _ in range(300):
        terms = int(generator.integers(1, 5))
        high = generator.integers(0, 7, size=terms).astype(float)
        weights = generator.uniform(5, 900, size=terms).round(1)
        truth = np.array([generator.integers(0, h + 1) for h in high], dtype=float)
        band = float(generator.uniform(0, 300))
        centre = float(weights @ truth) + float(generator.uniform(-band, band))
        # A plain sum the truth may not reach (then perhaps no combination at all).
        total = (float(truth.sum() + generator.choice([0, 0, 0, 3]))
                 if generator.random() < 0.6 else None)
        result = _combinations(np.zeros(terms), high, weights, centre - band, centre + band,
                               total)
        expected = [t for t in itertools.product(*(range(int(h) + 1) for h in high))
                    if (total is None or sum(t) == total)
                    and centre - band - 1e-6 <= weights @ np.array(t) <= centre + band + 1e-6]
        tried += 1
        if not expected:
            assert result is None
            continue
        found += 1
        assert result is not None
        smallest, largest = result
        assert smallest.tolist() == np.min(expected, axis=0).tolist()
        assert largest.tolist() == np.max(expected, axis=0).tolist()
    assert 100 < found < tried == 300
    # Too many combinations to try: nothing is said.
    assert _combinations(np.zeros(4), np.full(4, 60.0), np.ones(4), 0.0, 1.0, None) is None
