"""The pandera rules of docs/methodology.md §6, one at a time, as quarantine rows."""

from __future__ import annotations

import polars as pl
import pytest

from citizen_metrics.build.schemas import ATTENDANCE_SCHEMA, ReferenceCodes, survey_response_schema
from citizen_metrics.build.validation import failures
from citizen_metrics.ingest.xlsform import load_form
from citizen_metrics.settings import REPO_ROOT, Settings
from citizen_metrics.tables.rules import messages

FORM = load_form(REPO_ROOT / "data" / "reference" / "forms" / "citizen_survey.xlsx")
CODES = ReferenceCodes(provinces=["05091", "05081"], communes=["050910101", "050810305"])
SCHEMA = survey_response_schema(CODES, FORM, (15, 100))
MESSAGES = messages(Settings.from_env())
# Every score and usage question of the form, unanswered unless a test sets it.
UNANSWERED = {name: None for name in FORM.likert_questions} | {
    f"used_{service}": None for service in FORM.services
}
VALID = {
    **UNANSWERED,
    "submission_key": "k",
    "consent": "yes",
    "province": "05091",
    "commune": "050910101",
    "commune_province": "05091",
    "sex": "female",
    "age": "34",
    "used_voirie": "yes",
    "sat_voirie": "4",
    "sat_overall": "9",
}
# Whether the row's file has a column for province, sex and age (here: every file has).
ASKED = {"province_asked": True, "sex_asked": True, "age_asked": True}
TYPES = {**dict.fromkeys(VALID, pl.String), **dict.fromkeys(ASKED, pl.Boolean)}


def rules_of(**changes: object) -> list[tuple[str, str | None, str | None]]:
    frame = pl.DataFrame([{**VALID, **ASKED, **changes}], schema=TYPES)
    found = failures(frame, SCHEMA, MESSAGES, region_code="05")
    return list(found.select("rule", "column", "value").iter_rows())


def test_valid_row_passes() -> None:
    assert rules_of() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"submission_key": None}, [("missing_submission_id", None, None)]),
        ({"consent": None}, [("consent_missing", "consent", None)]),
        # A value typed where a closed answer was expected may be anything (a name): masked.
        ({"consent": "peut-être"}, [("consent_missing", "consent", "[masqué : texte de 1 mot]")]),
        ({"province": "05999"}, [("unknown_province", "province", "05999")]),
        ({"commune": "059999999", "commune_province": None},
         [("unknown_commune", "commune", "059999999")]),
        ({"province": "05081"}, [("commune_not_in_province", "commune", "050910101")]),
        ({"age": None}, [("age_missing", "age", None)]),
        ({"age": "abc"}, [("age_not_integer", "age", "abc")]),
        ({"age": "34.5"}, [("age_not_integer", "age", "34.5")]),
        ({"age": "14"}, [("age_out_of_range", "age", "14")]),
        ({"age": "101"}, [("age_out_of_range", "age", "101")]),
        ({"sex": None}, [("sex_invalid", "sex", None)]),
        ({"sex": "x"}, [("sex_invalid", "sex", "x")]),
        ({"sat_overall": "6"}, [("score_out_of_range", "sat_overall", "6")]),
        # Personal data typed in the wrong column is never copied into the quarantine.
        ({"age": "0612345678"},
         [("age_not_integer", "age", "[masqué : un numéro de téléphone, ou un long nombre]"),
          ("age_out_of_range", "age", "[masqué : un numéro de téléphone, ou un long nombre]")]),
        ({"age": "3000000000"},
         [("age_not_integer", "age", "[masqué : un numéro de téléphone, ou un long nombre]"),
          ("age_out_of_range", "age", "[masqué : un numéro de téléphone, ou un long nombre]")]),
        ({"commune": "Fatima Zahra", "commune_province": None},
         [("unknown_commune", "commune", "[masqué : texte de 2 mots]")]),
        ({"used_voirie": "no"}, [("score_without_use", "sat_voirie", "4")]),
        ({"used_voirie": None}, [("score_without_use", "sat_voirie", "4")]),
    ],
)
def test_each_rule(changes: dict, expected: list) -> None:
    assert rules_of(**changes) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # A file without a sex, age or province column leaves them unanswered: not an error
        # (sex and age are `unknown` in the breakdowns; the commune gives the province).
        ({"sex": None, "sex_asked": False}, []),
        ({"age": None, "age_asked": False}, []),
        ({"province": None, "province_asked": False}, []),
        # The commune must still lie in the province when both are there.
        ({"province": "05081", "province_asked": False},
         [("commune_not_in_province", "commune", "050910101")]),
        # Other files of the same run still ask them.
        ({"sex": None, "age_asked": False}, [("sex_invalid", "sex", None)]),
    ],
)
def test_questions_a_file_does_not_ask(changes: dict, expected: list) -> None:
    assert rules_of(**changes) == expected


def test_ages_at_the_bounds_are_valid() -> None:
    assert rules_of(age="15") == [] and rules_of(age="100") == []


def test_several_broken_rules_give_several_rows() -> None:
    assert sorted(rules_of(age="7", sex="x", sat_overall="0")) == [
        ("age_out_of_range", "age", "7"),
        ("score_out_of_range", "sat_overall", "0"),
        ("sex_invalid", "sex", "x"),
    ]


def test_row_index_points_at_the_failing_row() -> None:
    frame = pl.DataFrame(
        [{**VALID, **ASKED}, {**VALID, **ASKED, "age": "7"}, {**VALID, **ASKED}], schema=TYPES
    )
    assert failures(frame, SCHEMA, MESSAGES).get_column("row_index").to_list() == [1]


def test_attendance_rules() -> None:
    frame = pl.DataFrame(
        {
            "workshop_id": ["W1", "W9", None, "W1"],
            "workshop_known": [True, False, False, True],
            "person_key": ["p", "q", "r", None],
        }
    )
    found = failures(frame, ATTENDANCE_SCHEMA, MESSAGES)
    rows = sorted(found.select("row_index", "rule").iter_rows())
    assert rows == [
        (1, "unknown_workshop"),
        (2, "missing_workshop_id"),
        (2, "unknown_workshop"),
        (3, "participant_unidentified"),
    ]


def test_a_missing_column_is_a_bug_not_a_quarantine() -> None:
    frame = pl.DataFrame([{k: v for k, v in VALID.items() if k != "age"}])
    with pytest.raises(ValueError, match="does not fit"):
        failures(frame, SCHEMA, MESSAGES)
