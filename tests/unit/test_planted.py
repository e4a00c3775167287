"""What the pipeline finds in the demo data equals what the generator planted, rule by rule.

The generator (`tools/demo_data`) plants every problem on a submission (or register row) of
its own and says how many it planted (`DemoSummary`); the pipeline knows nothing of that. Here
both counts meet: quarantine rules, duplicates across cumulative exports, edited submissions
(superseded versions), refusals, quality flags and corrected register rows.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.support import build, ingest
from tools.demo_data import DemoSummary, generate_demo_data

# Planted kind -> the quarantine rule that must catch it.
SURVEY_RULES = {
    "age_out_of_range": "age_out_of_range",
    "age_not_integer": "age_not_integer",
    "sex_missing": "sex_invalid",
    "unknown_commune": "unknown_commune",
    "commune_not_in_province": "commune_not_in_province",
    "sat_without_use": "score_without_use",
    "score_out_of_range": "score_out_of_range",
    "missing_uuid": "missing_submission_id",
}
# Planted kind -> the quality flag that must mark it (kept in the figures).
FLAGS = {
    "speeder": "short_interview",
    "before_period": "date_out_of_range",
    "in_future": "date_out_of_range",
    "overloaded_day": "enumerator_overload",
}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[DemoSummary, duckdb.DuckDBPyConnection]:
    raw = tmp_path_factory.mktemp("planted")
    summary = generate_demo_data(raw, seed=11, n_responses=1200, n_workshops=60)
    con = build(ingest(raw), "int_survey_responses", "quality_flags", "int_attendances")
    return summary, con


def _survey_rows(summary: DemoSummary, kind: str) -> int:
    """Rows of the survey files planted with `kind` (a submission repeats across exports)."""
    return sum(f.problems.get(kind, 0) for f in summary.files if f.shape != "register")


def _dispositions(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    return dict(con.execute(f"select disposition, count(*) from {table} group by 1").fetchall())


def test_every_planted_survey_rule_is_found_and_nothing_else(planted) -> None:
    summary, con = planted
    found = dict(con.execute(
        "select rule, count(distinct (source_file, source_row)) from int_survey_quarantine "
        "group by 1").fetchall())
    expected = {rule: summary.injected[kind] for kind, rule in SURVEY_RULES.items()}
    # A row without a submission id is matched to no other: each of its copies across the
    # cumulative exports is quarantined.
    expected["missing_submission_id"] = _survey_rows(summary, "missing_uuid")
    assert all(count > 0 for count in expected.values())
    assert found == expected
    # One rule per planted submission: no row breaks two.
    quarantined = _dispositions(con, "int_survey_dispositions")["quarantined"]
    assert quarantined == sum(expected.values())


def test_accepted_refused_duplicate_and_superseded_responses(planted) -> None:
    summary, con = planted
    found = _dispositions(con, "int_survey_dispositions")
    assert found["accepted"] == summary.accepted
    assert found["excluded_no_consent"] == summary.no_consent
    # Every edited submission leaves its older version superseded.
    assert found["superseded"] == summary.injected["edited"] > 0
    # Every other row is a copy of a version already read: the rows of all survey files,
    # less one per version of a submission with an id, less the rows without an id.
    rows = sum(f.rows for f in summary.files if f.shape != "register")
    versions = summary.submissions - summary.injected["missing_uuid"] + summary.injected["edited"]
    assert found["duplicate"] == rows - versions - _survey_rows(summary, "missing_uuid")


def test_every_planted_quality_flag_is_raised_and_nothing_else(planted) -> None:
    summary, con = planted
    found = dict(con.execute("select flag, count(*) from quality_flags group by 1").fetchall())
    expected: dict[str, int] = {}
    for kind, flag in FLAGS.items():
        expected[flag] = expected.get(flag, 0) + summary.injected[kind]
    assert all(count > 0 for count in expected.values())
    assert found == expected
    assert summary.injected["enumerator_overloaded_days"] == 1


def test_register_problems_are_found(planted) -> None:
    summary, con = planted
    found = dict(con.execute(
        "select rule, count(*) from int_register_quarantine group by 1").fetchall())
    # A participant of a workshop that no register holds; garbled ages are kept, as unknown.
    assert found == {"unknown_workshop": summary.injected["unknown_workshop"]}
    dispositions = _dispositions(con, "int_register_dispositions")
    # A register re-sent with a few ages corrected: the older rows are superseded.
    assert dispositions["superseded"] == summary.injected["corrected_age"] > 0
    attendances, unknown_ages = con.execute(
        "select count(*), count(*) filter (age_group = 'unknown') from int_attendances"
    ).fetchone()
    assert attendances == summary.attendances
    assert unknown_ages >= summary.injected["bad_age"] > 0


def test_a_participant_typed_twice_is_one_attendance(planted) -> None:
    summary, con = planted
    # Register rows are re-sent (June's rows again in September) and a few are typed twice
    # in one workshop: duplicates are the re-sent copies plus the second typings.
    june_rows = sum(f.rows for f in summary.files
                    if f.shape == "register" and f.name.endswith("_2022-06.xlsx"))
    duplicates = _dispositions(con, "int_register_dispositions")["duplicate"]
    corrected = summary.injected["corrected_age"]
    workshop_rows = con.execute(
        "select count(*) from int_register_dispositions d join stg_workshops w "
        "using (source_file, sheet, source_row) where d.disposition = 'duplicate'"
    ).fetchone()[0]
    assert duplicates - workshop_rows == (
        june_rows - corrected + summary.injected["duplicate_attendance"])



@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """The demo at its full size (a baseline in 2022, a follow-up in 2024), built up to the
    engine's sums by survey round, before anything is withheld."""
    raw = tmp_path_factory.mktemp("rounds")
    generate_demo_data(raw, n_responses=8350, n_workshops=0, shapes=["kobo_xml"])
    return build(ingest(raw), "int_survey_rollup", "mart_fieldwork")


def _wilson(satisfied: float, rated: float) -> tuple[float, float]:
    """The 95 % Wilson interval, computed here independently of the marts' macro."""
    z = 1.959964
    p = satisfied / rated
    centre = (p + z * z / (2 * rated)) / (1 + z * z / rated)
    half = z / (1 + z * z / rated) * (p * (1 - p) / rated + z * z / (4 * rated * rated)) ** 0.5
    return centre - half, centre + half


def test_the_change_planted_between_rounds_is_found(two_rounds) -> None:
    """The generator raised women's satisfaction with water and sanitation in four Azilal
    communes by the 2024 follow-up (`answers.ROUND_CHANGE_*`). The engine's sums by round
    show it there (a rise of more than 20 points, 95 % intervals apart), in Azilal as a
    whole, and not among the women of the other communes."""
    from tools.demo_data.answers import ROUND_CHANGE_COMMUNES, ROUND_CHANGE_QUESTION

    rows = two_rounds.execute("""
        select geography_level, geography_code, group_key, n_rated, n_satisfied
        from int_survey_rollup
        where indicator = ? and breakdown = 'sex,survey_round'
    """, [ROUND_CHANGE_QUESTION]).df()
    rows[["sex", "round"]] = rows["group_key"].str.split(",", expand=True)

    def share(level: str, codes: tuple[str, ...], sex: str, survey_round: str
              ) -> tuple[float, float, float]:
        part = rows[(rows["geography_level"] == level) & rows["geography_code"].isin(codes)
                    & (rows["sex"] == sex) & (rows["round"] == survey_round)]
        satisfied, rated = float(part["n_satisfied"].sum()), float(part["n_rated"].sum())
        return (satisfied / rated, *_wilson(satisfied, rated))

    planted = tuple(ROUND_CHANGE_COMMUNES)
    before, after = share("commune", planted, "female", "2022"), \
        share("commune", planted, "female", "2024")
    assert after[0] - before[0] > 0.2 and after[1] > before[2]  # intervals apart
    # Nothing was planted elsewhere: women of the 36 other communes do not move as much.
    others = tuple(sorted(set(rows.loc[rows["geography_level"] == "commune",
                                       "geography_code"]) - set(planted)))
    rest_before, rest_after = share("commune", others, "female", "2022"), \
        share("commune", others, "female", "2024")
    assert abs(rest_after[0] - rest_before[0]) < 0.05
    azilal_before, azilal_after = share("province", ("05081",), "female", "2022"), \
        share("province", ("05081",), "female", "2024")
    assert azilal_after[0] > azilal_before[0]
    # The rounds hold the interviews of their years, and split the responses as planted.
    period = two_rounds.execute("""
        select survey_round, first_interview_day, last_interview_day, n_respondents
        from mart_fieldwork where geography_level = 'region' order by survey_round
    """).fetchall()
    by_round = {r[0]: r for r in period}
    assert by_round["2022"][1].year == 2022 and by_round["2022"][2].year == 2022
    assert by_round["2024"][1].year == 2024 and by_round["2024"][2].year == 2024
    assert by_round["all"][3] == sum(r[3] for k, r in by_round.items() if k != "all")
    assert 0.4 < by_round["2024"][3] / by_round["all"][3] < 0.5


def test_every_response_has_a_round(planted) -> None:
    """Days in a round go to it; a pilot dated before the baseline (December 2021) to the
    first round, a device clock years ahead (2030) to the last, a paper questionnaire
    without any date to the programme's round for undated questionnaires (2022)."""
    _, con = planted
    rounds = dict(con.execute("""
        select case when interview_day is null then 'undated'
                    when interview_day < date '2022-01-01' then 'before'
                    when interview_day > date '2026-12-31' then 'after'
                    else strftime(interview_day, '%Y') end as day,
               list(distinct survey_round order by survey_round)
        from int_survey_responses group by 1
    """).fetchall())
    assert rounds["2022"] == ["2022"] and rounds["2024"] == ["2024"]
    assert rounds["before"] == ["2022"] and rounds["after"] == ["2024"]
    assert rounds["undated"] == ["2022"]
