"""The survey's rounds (the period): settings, figures by round, and the report's trend chart.

Figures by round are published for provinces and the region, unweighted; a commune's are
not (reason `commune_pair`), nor weighted ones (`weighted_pair`): docs/methodology.md §2, §5.
The values below are counted by hand from the responses written here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from citizen_metrics.ingest.reference_lists import Reference
from citizen_metrics.publish.report.trend import period_text, trend_chart
from citizen_metrics.settings import survey_rounds
from tests.support import build_marts, communes_of, run_auditor

EARLIEST, TODAY = dt.date(2022, 1, 1), dt.date(2026, 12, 7)


def test_rounds_from_the_programme_file() -> None:
    rounds = survey_rounds({"survey_rounds": {
        "2022": {"fr": "Référence", "ar": "مرجعي", "from": "2022-01-01", "to": "2023-12-31"},
        "2024": {"fr": "Suivi", "ar": "تتبع", "from": "2024-01-01", "to": "2026-12-31"},
    }}, EARLIEST, TODAY)
    assert [(r.code, r.first_day, r.last_day) for r in rounds] == [
        ("2022", dt.date(2022, 1, 1), dt.date(2023, 12, 31)),
        ("2024", dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
    ]


def test_without_rounds_each_year_is_a_round() -> None:
    rounds = survey_rounds({}, EARLIEST, TODAY)
    assert [r.code for r in rounds] == ["2022", "2023", "2024", "2025", "2026"]
    assert rounds[0].last_day == dt.date(2022, 12, 31)


@pytest.mark.parametrize("declared, message", [
    ({"a": {"fr": "A", "ar": "A", "from": "2022-01-01", "to": "2023-06-30"},
      "b": {"fr": "B", "ar": "B", "from": "2023-06-30", "to": "2024-12-31"}}, "overlap"),
    ({"a b": {"fr": "A", "ar": "A", "from": "2022-01-01", "to": "2023-06-30"}}, "code"),
    ({"unknown": {"fr": "A", "ar": "A", "from": "2022-01-01", "to": "2023-06-30"}}, "code"),
    ({"a": {"fr": "A", "from": "2022-01-01", "to": "2023-06-30"}}, "needs fr, ar"),
    ({"a": {"fr": "A", "ar": "A", "from": "2022-13-01", "to": "2023-06-30"}}, "needs fr, ar"),
    ({"a": {"fr": "A", "ar": "A", "from": "2023-01-01", "to": "2022-06-30"}}, "ends before"),
])
def test_rounds_that_make_no_sense_are_refused(declared, message) -> None:
    with pytest.raises(ValueError, match=message):
        survey_rounds({"survey_rounds": declared}, EARLIEST, TODAY)


def _first_province(reference: Reference) -> tuple[str, str, str]:
    """The first province's code and its first two communes'."""
    communes = communes_of(reference).sort_values("commune_code")
    province = communes["province_code"].iloc[0]
    c1, c2 = communes[communes["province_code"] == province]["commune_code"].iloc[:2]
    return str(province), str(c1), str(c2)


def _respondents(commune: str, survey_round: str, scores: list[int], sex: str) -> pd.DataFrame:
    return pd.DataFrame({
        "commune_code": commune, "sex": sex, "age_group": "adult",
        "disability": "without_disability", "residence": "rural",
        "survey_round": survey_round, "sat_overall": scores,
    })


def test_figures_by_round_for_provinces_unweighted_only(reference: Reference) -> None:
    province, c1, c2 = _first_province(reference)
    # 2022: 12 women in each commune, 3 satisfied (4 or 5) in each: 6 of 24.
    # 2024: 12 women in each commune, 9 satisfied in c1 and 6 in c2: 15 of 24.
    # 12 men in 2022 in c1, all satisfied.
    responses = pd.concat([
        _respondents(c1, "2022", [5, 4, 4] + [2] * 9, "female"),
        _respondents(c2, "2022", [4, 4, 5] + [1] * 9, "female"),
        _respondents(c1, "2024", [4] * 9 + [3] * 3, "female"),
        _respondents(c2, "2024", [5] * 6 + [2] * 6, "female"),
        _respondents(c1, "2022", [5] * 12, "male"),
    ], ignore_index=True)
    responses["sat_overall"] = responses["sat_overall"].astype("Int64")
    con = build_marts(reference, responses)
    rows = con.execute("""
        select geography_level, breakdown, group_key, estimate_type, n_rated,
               satisfied_share, suppressed, suppression
        from mart_survey_indicators
        where indicator = 'sat_overall' and breakdown like '%survey_round%'
          and (geography_level = 'province' and geography_code = ?
               or geography_level = 'commune' and geography_code = ?)
    """, [province, c1]).df()

    def row(level: str, breakdown: str, group: str, estimate: str) -> pd.Series:
        found = rows[(rows["geography_level"] == level) & (rows["breakdown"] == breakdown)
                     & (rows["group_key"] == group) & (rows["estimate_type"] == estimate)]
        assert len(found) == 1, (level, breakdown, group, estimate)
        return found.iloc[0]

    women_2022 = row("province", "sex,survey_round", "female,2022", "unweighted")
    women_2024 = row("province", "sex,survey_round", "female,2024", "unweighted")
    assert (women_2022.n_rated, women_2022.satisfied_share) == (24, 0.25)
    assert (women_2024.n_rated, women_2024.satisfied_share) == (24, 0.625)
    assert not women_2022.suppressed and not women_2024.suppressed
    everyone_2022 = row("province", "survey_round", "2022", "unweighted")
    assert (everyone_2022.n_rated, everyone_2022.satisfied_share) == (36, 0.5)  # (6 + 12) / 36
    # Weighted figures by round are never published, nor a commune's figures by round.
    weighted = rows[(rows["geography_level"] == "province")
                    & (rows["estimate_type"] == "weighted")]
    assert len(weighted) and weighted["suppressed"].all()
    assert set(weighted["suppression"]) == {"weighted_pair"}
    commune = rows[rows["geography_level"] == "commune"]
    assert len(commune) and commune["suppressed"].all()
    assert set(commune["suppression"]) == {"commune_pair"}


def test_the_trend_chart_shows_each_round_and_masks_what_is_masked() -> None:
    rows = pd.DataFrame({
        "indicator_fr": ["Eau", "Eau", "Voirie", "Voirie"] * 2,
        "breakdown": ["sex"] * 8,
        "group_key": ["female"] * 4 + ["male"] * 4,
        "group_fr": ["Femmes"] * 4 + ["Hommes"] * 4,
        "survey_round": ["2022", "2024"] * 4,
        "round_fr": ["Référence", "Suivi"] * 4,
        "n_rated": [40, 50, 30, 8, 41, 52, 33, 35],
        "satisfied_share": [0.3, 0.62, 0.5, None, 0.4, 0.41, 0.45, 0.47],
        "ci_low": [0.18, 0.48, 0.33, None, 0.26, 0.28, 0.29, 0.31],
        "ci_high": [0.46, 0.74, 0.67, None, 0.55, 0.54, 0.62, 0.63],
        "suppressed": [False, False, False, True, False, False, False, False],
    })
    spec = trend_chart(rows, "t", "s", "src", "masqué (n < 10)")
    assert spec is not None
    traces = spec["data"]
    women_2024 = next(t for t in traces if t["meta"] == {
        "breakdown": "sex", "group_key": "female", "survey_round": "2024"})
    assert women_2024["x"] == [62.0]  # water; roads masked in 2024
    assert women_2024["error_x"]["arrayminus"] == [14.0]
    masked = next(t for t in traces if t["meta"].get("masked")
                  and t["meta"]["group_key"] == "female" and t["meta"]["survey_round"] == "2024")
    assert masked["text"] == ["masqué"] and masked["customdata"] == ["Voirie"]
    # The menu shows one group at a time: women first, men when picked.
    menu = spec["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in menu] == ["Femmes", "Hommes"]
    men_visible = menu[1]["args"][0]["visible"]
    assert [t["meta"]["group_key"] for t, shown in zip(traces, men_visible, strict=True)
            if shown] == ["male"] * 4
    # A follow-up round with nothing published (its figures rest on a handful of people):
    # nothing to compare, no chart.
    handful = rows.assign(n_rated=[40, 1, 30, 0, 41, 1, 33, 0], suppressed=[False, True] * 4)
    assert trend_chart(handful, "t", "s", "src", "masqué (n < 10)") is None
    # One round only: nothing to compare, no chart.
    assert trend_chart(rows[rows["survey_round"] == "2022"], "t", "s", "src", "m") is None


def test_the_period_in_a_sentence() -> None:
    rows = pd.DataFrame({
        "survey_round": ["all", "2022", "2024"],
        "round_fr": ["all", "Enquête de référence", "Enquête de suivi"],
        "first_interview_day": [dt.date(2022, 1, 10), dt.date(2022, 1, 10), dt.date(2024, 1, 8)],
        "last_interview_day": [dt.date(2024, 9, 27), dt.date(2022, 9, 30), dt.date(2024, 9, 27)],
        "n_respondents": [1200, 700, 500],
    })
    assert period_text(rows) == (
        "Enquête menée du 10 janvier 2022 au 27 septembre 2024 (1\u202f200 réponses) — "
        "Enquête de référence : du 10 janvier 2022 au 30 septembre 2022 (700 réponses) ; "
        "Enquête de suivi : du 8 janvier 2024 au 27 septembre 2024 (500 réponses).")
    assert period_text(rows.iloc[0:0]) is None


def test_the_round_of_undated_questionnaires_is_a_declared_round() -> None:
    from citizen_metrics.settings import undated_round

    rounds = survey_rounds({}, EARLIEST, TODAY)
    assert undated_round({}, rounds) == "2022"  # the first round by default
    assert undated_round({"undated_survey_round": 2024}, rounds) == "2024"
    with pytest.raises(ValueError, match="not one of survey_rounds"):
        undated_round({"undated_survey_round": "2030"}, rounds)


def test_a_round_resting_on_a_handful_of_people_is_no_trend(reference: Reference) -> None:
    _, c1, c2 = _first_province(reference)
    # 2022: 12 women in each commune, 3 satisfied in each; 12 men in c1, all satisfied: 18 of
    # 36. One woman of c1 dated in the follow-up round (a device clock years ahead), satisfied.
    # The province (and the region, which holds nothing else): 19 of 37 satisfied, 51.4 %;
    # women 7 of 25, 28 %. Its 2022 figure (18 of 36) beside that total would give the one
    # woman's answer away (19 − 18); only one round rests on 10 people or more, so there is
    # no trend to publish: every figure by round is withheld by design, the total stays.
    responses = pd.concat([
        _respondents(c1, "2022", [5, 4, 4] + [2] * 9, "female"),
        _respondents(c2, "2022", [4, 4, 5] + [1] * 9, "female"),
        _respondents(c1, "2022", [5] * 12, "male"),
        _respondents(c1, "2024", [5], "female"),
    ], ignore_index=True).astype({"sat_overall": "Int64"})
    con = build_marts(reference, responses, 10, "mart_survey_indicators", "mart_equity_gaps")
    rows = con.execute("""
        select geography_level, breakdown, group_key, n_rated, satisfied_share, suppressed,
               suppression
        from mart_survey_indicators
        where indicator = 'sat_overall' and estimate_type = 'unweighted'
          and geography_level in ('province', 'region') and n_rated > 0
    """).df()
    by_round = rows[rows["breakdown"].str.contains("survey_round")]
    assert len(by_round) == 2 * 5  # 2022, 2024, women 2022 and 2024, men 2022; two levels
    assert by_round["suppressed"].all()
    assert set(by_round["suppression"]) == {"single_round"}
    headline = rows[rows["breakdown"].isin(["total", "sex"])].set_index(
        ["geography_level", "group_key"])
    assert not headline["suppressed"].any()
    for level in ("province", "region"):
        assert (headline.loc[(level, "all"), "n_rated"],
                headline.loc[(level, "all"), "satisfied_share"]) == (37, 0.514)
        assert (headline.loc[(level, "female"), "n_rated"],
                headline.loc[(level, "female"), "satisfied_share"]) == (25, 0.28)
    # And nobody's answer can be worked out from what is published.
    assert run_auditor(con, reference).passed
