"""The table declarations: consistent, the only source of the staging shapes and of the
quarantine rules' check names. (The tables of the end-to-end runs against their declarations:
integration/test_tables_of_the_runs.py.)"""

from __future__ import annotations

import pandera.errors
import polars as pl
import pyarrow as pa
import pytest

from citizen_metrics.build.runner import SqlContext
from citizen_metrics.build.schemas import (
    ATTENDANCE_SCHEMA,
    WORKSHOP_SCHEMA,
    ReferenceCodes,
    survey_response_schema,
)
from citizen_metrics.ingest.xlsform import load_form
from citizen_metrics.settings import REPO_ROOT, Settings
from citizen_metrics.tables import FIELDS, RULES, TABLES
from citizen_metrics.tables.contracts import table_schema
from citizen_metrics.tables.model import Field, Table
from citizen_metrics.tables.rules import messages, reported_column, rule_for
from tests.support import run_lists

FORM = load_form(REPO_ROOT / "data" / "reference" / "forms" / "citizen_survey.xlsx")


def test_every_field_is_described_in_french_and_english() -> None:
    for field in FIELDS.values():
        assert field.description_fr.strip() and field.description_en.strip(), field.name
    for field in TABLES["stg_survey_rows"].all_fields(FORM):
        assert field.description_fr.strip(), field.name


def test_answer_columns_come_from_the_form() -> None:
    names = TABLES["stg_survey_rows"].column_names(FORM)
    assert names[-len(FORM.answer_fields):] == list(FORM.answer_fields)
    sex = next(f for f in TABLES["stg_survey_rows"].all_fields(FORM) if f.name == "sex")
    assert sex.values_from == "form:sex"
    with pytest.raises(ValueError, match="pass the form"):
        TABLES["stg_survey_rows"].arrow_schema()


def test_a_table_refuses_a_key_that_is_not_a_field() -> None:
    with pytest.raises(ValueError, match="key fields"):
        Table("t", "staging", "t", "t", (FIELDS["source_file"],), key=("nope",))


def test_conform_orders_and_casts_and_refuses_missing_columns() -> None:
    table = TABLES["stg_survey_read_failures"]
    given = pa.table({"message": ["m"], "source_row": pa.array([3], pa.int32()),
                      "sheet": [""], "source_file": ["f.csv"]})
    conformed = table.conform(given)
    assert conformed.schema.equals(table.arrow_schema())
    assert conformed.to_pylist() == [
        {"source_file": "f.csv", "sheet": "", "source_row": 3, "message": "m"}]
    with pytest.raises(ValueError, match="columns missing"):
        table.conform(given.drop(["message"]))


def test_families_expand_from_the_run_lists() -> None:
    lists = run_lists()
    participation = TABLES["mart_participation"]
    names = participation.column_names(lists)
    categories = [f"share_{c}" for c in SqlContext.build(Settings.from_env()).categories]
    assert [n for n in names if n in categories] == categories
    share = participation.column(categories[0], lists)
    assert share.type == "number" and categories[0].removeprefix("share_") in share.description_fr
    with pytest.raises(ValueError, match="pass the form"):
        participation.column_names()
    with pytest.raises(KeyError, match="template:categorie"):
        participation.column_names(FORM)  # the form alone does not give the categories


def test_the_contract_refuses_what_the_declaration_does_not_allow() -> None:
    table = TABLES["label_codes"]
    good = pl.DataFrame({"code_list": ["file_status"], "code": ["loaded"],
                         "label_fr": ["Chargé"], "label_ar": ["محمّل"], "sort_order": [0]})
    table_schema(table).validate(good)
    with pytest.raises(pandera.errors.SchemaError):  # a label may not be empty
        table_schema(table).validate(good.with_columns(pl.lit(None, pl.String).alias("label_fr")))
    with pytest.raises(pandera.errors.SchemaError):  # the key is unique
        table_schema(table).validate(pl.concat([good, good]))
    with pytest.raises(pandera.errors.SchemaError):  # an allowed value
        table_schema(TABLES["quality_flags"]).validate(pl.DataFrame({
            "source_file": ["a.csv"], "source_row": [1], "flag": ["made_up"],
            "commune_code": ["050910101"], "file_kind": ["survey_export"]}))


def _check_names(schema) -> set[str]:
    names = {check.error for check in schema.checks}
    for column in schema.columns.values():
        names |= {check.error for check in column.checks}
    return names


def test_checks_are_named_by_their_rules() -> None:
    codes = ReferenceCodes(provinces=["05091"], communes=["050910101"])
    schemas = [survey_response_schema(codes, FORM, (15, 100)), WORKSHOP_SCHEMA,
               ATTENDANCE_SCHEMA]
    named = set().union(*(_check_names(schema) for schema in schemas))
    assert named <= set(RULES)
    required = {rule.id for rule in RULES.values() if rule.missing_of}
    # Every rule is enforced by a named check, a required column, or (malformed rows) the
    # reader.
    assert set(RULES) == named | required | {"malformed_row"}


def test_rule_of_a_failure_case() -> None:
    assert rule_for("age_out_of_range", "age") == "age_out_of_range"
    assert rule_for("not_nullable", "commune") == "unknown_commune"
    assert rule_for("not_nullable", "person_key") == "participant_unidentified"
    with pytest.raises(KeyError):
        rule_for("not_nullable", "sex")
    with pytest.raises(KeyError):
        rule_for("isin(['x'])", "sex")
    assert reported_column("score_out_of_range", "sat_voirie") == "sat_voirie"
    assert reported_column("commune_not_in_province", None) == "commune"
    assert reported_column("missing_submission_id", "submission_key") is None


def test_messages_name_the_settings() -> None:
    settings = Settings.from_env()
    assert messages(settings)["age_out_of_range"] == (
        f"l'âge est hors de {settings.min_age}–{settings.max_age} ans")
    with pytest.raises(ValueError, match="needs the settings"):
        messages()


def test_field_types_map_to_arrow_and_duckdb() -> None:
    field = Field("x", "timestamp", "x", "x")
    assert field.arrow_type == pa.timestamp("us") and field.duckdb_type == "timestamp"
