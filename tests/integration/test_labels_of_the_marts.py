"""Labels: every code of the marts has a French and an Arabic label, read from the
questionnaire, the reference lists and data/reference/labels.yaml, never from code. (The
labels file alone: unit/test_labels.py.)"""

from __future__ import annotations

import openpyxl
import pandas as pd

from citizen_metrics.build.runner import DIMENSIONS, breakdowns
from citizen_metrics.ingest.readers.registers import template_vocabulary
from citizen_metrics.settings import REPO_ROOT
from citizen_metrics.tables.fields import DISPOSITIONS
from citizen_metrics.tables.rules import RULES

REFERENCE = REPO_ROOT / "data" / "reference"


def form_rows(sheet: str) -> list[dict]:
    """The XLSForm's sheet as dicts, read with openpyxl (not with the pipeline's parser)."""
    workbook = openpyxl.load_workbook(REFERENCE / "forms" / "citizen_survey.xlsx",
                                      read_only=True)
    rows = list(workbook[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:] if any(row)]


def labelled(marts, table: str, keys: str) -> set[tuple]:
    return set(marts.execute(f"select {keys} from {table} where label_fr <> '' "
                             f"and label_ar <> ''").fetchall())


def missing(marts, query: str, known: set[tuple]) -> set[tuple]:
    return set(marts.execute(query).fetchall()) - known


def test_every_code_in_the_marts_has_a_label(marts) -> None:
    groups = labelled(marts, "label_groups", "breakdown, group_key")
    indicators = labelled(marts, "label_indicators", "indicator")
    options = labelled(marts, "label_options", "question, option")
    questions = labelled(marts, "label_questions", "question")
    codes = labelled(marts, "label_codes", "code_list, code")
    geographies = set(marts.execute(
        "select geography_level, geography_code from label_geographies "
        "where name_fr <> '' and name_ar <> ''").fetchall())
    for table in ("mart_survey_indicators", "mart_survey_options", "mart_participation"):
        assert not missing(marts, f"select distinct breakdown, group_key from {table}",
                           groups), table
    for table in ("mart_survey_indicators", "mart_survey_options", "mart_equity_gaps",
                  "mart_participation", "mart_targets"):
        assert not missing(marts, "select distinct geography_level, geography_code "
                           f"from {table}", geographies), table
        assert not missing(marts, f"select distinct 'geography_level', geography_level "
                           f"from {table}", codes), table
    for table in ("mart_survey_indicators", "mart_equity_gaps", "mart_targets"):
        assert not missing(marts, f"select distinct indicator from {table}", indicators)
    assert not missing(marts, "select distinct question, option from mart_survey_options",
                       options)
    assert not missing(marts, "select distinct question from mart_survey_options", questions)
    for side in ("group_a", "group_b"):
        assert not missing(marts, f"select distinct dimension, {side} from mart_equity_gaps",
                           groups), side
    for code_list, query in {
        "estimate_type": "select distinct estimate_type from mart_survey_indicators",
        "suppression": "select distinct suppression from mart_survey_indicators "
                       "where suppression is not null",
        "quarantine_rule": "select distinct rule from quality_quarantine",
        "quality_flag": "select distinct flag from quality_flags",
        "file_kind": "select distinct file_kind from quality_file_summary",
        "file_shape": "select distinct file_shape from quality_file_summary "
                      "where file_shape is not null",
        "file_status": "select distinct status from quality_file_summary",
    }.items():
        present = {(code_list, code) for (code,) in marts.execute(query).fetchall()}
        assert present and present <= codes, (code_list, present - codes)


def test_every_code_the_pipeline_can_write_has_a_label(marts) -> None:
    """Beyond the fixture: the codes the pipeline can write on any data."""
    codes = labelled(marts, "label_codes", "code_list, code")
    groups = labelled(marts, "label_groups", "breakdown, group_key")
    assert {("quarantine_rule", rule) for rule in RULES} <= codes
    assert {("disposition", d) for d in DISPOSITIONS} <= codes
    assert {("quality_flag", f) for f in ("short_interview", "date_out_of_range",
                                          "enumerator_overload")} <= codes
    vocabulary = template_vocabulary(REFERENCE / "forms" / "workshop_register.xlsx")
    assert {("workshop_type", t) for t in vocabulary["type_atelier"]} <= codes
    assert {("participant_category", c) for c in vocabulary["categorie"]} <= codes
    values = {"sex": ["female", "male"], "age_group": ["youth", "adult", "senior"],
              "disability": ["with_disability", "without_disability"],
              "residence": ["urban", "rural"], "commune_type": ["urban", "rural"]}
    for dims in breakdowns():
        if not dims:
            continue
        if len(dims) == 1:
            for value in [*values[dims[0]], "unknown"]:
                assert (dims[0], value) in groups, (dims, value)
        else:
            first, second = dims
            assert (",".join(dims), f"{values[first][0]},{values[second][-1]}") in groups
            assert (",".join(dims), "unknown,unknown") in groups
    assert ("total", "all") in groups
    assert len(DIMENSIONS) == 4


def test_service_labels_come_from_the_questionnaire(marts) -> None:
    survey = {row["name"]: row for row in form_rows("survey")}
    question = survey["sat_etat_civil"]["label::French (fr)"]
    expected_fr = question.split(" : ", 1)[1].rstrip(" ?")
    expected_ar = survey["sat_etat_civil"]["label::Arabic (ar)"].split(": ", 1)[1].rstrip("؟")
    row = marts.execute(
        "select label_fr, label_ar, short_fr, question_fr, service from label_indicators "
        "where indicator = 'sat_etat_civil'").fetchone()
    assert row == (expected_fr, expected_ar, expected_fr.split(" (")[0], question,
                   "etat_civil")
    assert expected_fr == "État civil (actes de naissance, mariage, décès)"
    services = marts.execute(
        "select count(*) from label_indicators where service is not null").fetchone()[0]
    assert services == 12


def test_group_labels_come_from_the_form_and_the_labels_file(marts) -> None:
    choices = {(r["list_name"], r["name"]): r for r in form_rows("choices")}
    rows = dict(((b, g), (fr, ar)) for b, g, fr, ar in marts.execute(
        "select breakdown, group_key, label_fr, label_ar from label_groups").fetchall())
    female = choices[("sex", "female")]
    assert rows[("sex", "female")] == (female["label::French (fr)"],
                                       female["label::Arabic (ar)"])
    rural = choices[("milieu", "rural")]["label::French (fr)"]
    assert rows[("sex,residence", "female,rural")][0] == f"{female['label::French (fr)']} · " \
                                                         f"{rural}"
    assert rows[("age_group", "youth")][0] == "Jeunes (15–29 ans)"
    assert rows[("disability", "with_disability")][0] == "En situation de handicap"
    assert rows[("age_group", "adult+senior")][0] == "Adultes et aînés (30 ans et plus)"


def test_geography_names_come_from_the_reference_lists(marts) -> None:
    communes = pd.read_csv(REFERENCE / "communes.csv", dtype=str)
    provinces = pd.read_csv(REFERENCE / "provinces.csv", dtype=str)
    cohort = set(pd.read_csv(REFERENCE / "programme_communes.csv", dtype=str)["commune_code"])
    published = {(level, code): (fr, ar, programme) for level, code, fr, ar, programme in
                 marts.execute("select geography_level, geography_code, name_fr, name_ar, "
                               "in_programme from label_geographies").fetchall()}
    assert len(published) == len(communes) + len(provinces) + 1
    for commune in communes.itertuples():
        assert published[("commune", commune.commune_code)] == (
            commune.name_fr, commune.name_ar, commune.commune_code in cohort)
    for province in provinces.itertuples():
        assert published[("province", province.province_code)][:2] == (province.name_fr,
                                                                        province.name_ar)
    assert published[("region", "05")][:2] == ("Béni Mellal-Khénifra", "بني ملال خنيفرة")
