"""Every export shape of docs/file_formats.md, alone and together, with dispositions by hand.

The fixture files (tests/fixtures/shapes, built by build_fixtures.py) hold the same five
valid submissions (A1, A2, A4, B1, B2) and one invalid one (age 130) in every Kobo/ODK shape;
the two paper files hold four questionnaires each, one with an unreadable sex.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import FIXTURES, copy_raw_files, ingest

SHAPES = FIXTURES / "shapes"
SUMMARY = (
    "select source_file, file_shape, status, rows_read, accepted, duplicate, superseded, "
    "excluded_no_consent, quarantined from quality_file_summary order by source_file"
)


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("kobo_names_flat.csv", "kobo"),
        ("kobo_labels_ar.csv", "kobo"),
        ("kobo_export.xlsx", "kobo"),
        ("odk_central.csv", "odk_central"),
    ],
)
def test_each_kobo_and_odk_shape_alone(tmp_path: Path, name: str, shape: str) -> None:
    copy_raw_files([name], SHAPES, tmp_path)
    con = ingest(tmp_path)
    assert con.execute(SUMMARY).fetchall() == [(name, shape, "loaded", 6, 5, 0, 0, 0, 1)]
    assert con.execute(
        'select source_row, rule, "column", value from quality_quarantine'
    ).fetchall() == [(6, "age_out_of_range", "age", "130")]


@pytest.mark.parametrize("name", ["paper_cp1256.csv", "paper_unicode.txt"])
def test_each_paper_shape_alone(tmp_path: Path, name: str) -> None:
    copy_raw_files([name], SHAPES, tmp_path)
    con = ingest(tmp_path)
    assert con.execute(SUMMARY).fetchall() == [(name, "paper", "loaded", 4, 3, 0, 0, 0, 1)]
    assert con.execute(
        'select source_row, rule, "column", value from quality_quarantine'
    ).fetchall() == [(4, "sex_invalid", "sex", "?")]
    # Ages in Arabic-Indic digits (UTF-16 file) and ASCII (cp1256) both read as 36, 58, 24.
    ages = con.execute(
        "select s.age from stg_survey_rows s join int_survey_dispositions d "
        "using (source_file, source_row) where d.disposition = 'accepted' order by s.source_row"
    ).fetchall()
    assert ages == [("36",), ("58",), ("24",)]


def test_all_shapes_together_map_to_the_same_answers(tmp_path: Path) -> None:
    names = ["kobo_names_flat.csv", "kobo_labels_ar.csv", "kobo_export.xlsx",
             "odk_central.csv", "paper_cp1256.csv", "paper_unicode.txt"]
    copy_raw_files(["kobo_export_2022-03.csv"], FIXTURES / "e2e", tmp_path / "kobo")
    copy_raw_files(names, SHAPES, tmp_path, first=1)
    con = ingest(tmp_path)
    rows = con.execute(SUMMARY).fetchall()
    assert rows == [
        # Every Kobo/ODK shape repeats A1 A2 A4 B1 B2 of the XML export, read first: had one
        # shape mapped an answer differently, its copy would be `superseded`, not
        # `duplicate`. The invalid S1 is quarantined in the first file that has it, in the
        # credit order from content: the four shapes hold the same latest submission
        # (2022-04-03 09:00), so their digests decide, and kobo_labels_ar.csv comes first.
        ("kobo/kobo_export_2022-03.csv", "kobo", "loaded", 16, 15, 0, 0, 1, 0),
        ("kobo_export.xlsx", "kobo", "loaded", 6, 0, 6, 0, 0, 0),
        ("kobo_labels_ar.csv", "kobo", "loaded", 6, 0, 5, 0, 0, 1),
        ("kobo_names_flat.csv", "kobo", "loaded", 6, 0, 6, 0, 0, 0),
        ("odk_central.csv", "odk_central", "loaded", 6, 0, 6, 0, 0, 0),
        ("paper_cp1256.csv", "paper", "loaded", 4, 3, 0, 0, 0, 1),
        ("paper_unicode.txt", "paper", "loaded", 4, 3, 0, 0, 0, 1),
    ]


def test_register_files_read_with_hand_typed_values(tmp_path: Path) -> None:
    copy_raw_files(["registre_EXP01_2022-03.xlsx"], FIXTURES / "e2e", tmp_path)
    con = ingest(tmp_path)
    attendances = con.execute(
        "select sex, age, category, disability, residence, has_phone from stg_attendances "
        "order by source_row"
    ).fetchall()
    assert attendances[:5] == [
        ("female", 25, "citoyen", "no", "urban", True),
        ("male", 45, "elu", "no", "urban", False),
        ("female", 62, "societe_civile", "yes", "urban", True),   # امرأة, نعم
        ("female", 25, "citoyen", "no", "urban", True),           # "f", age typed as text
        ("female", 19, "citoyen", "yes", "rural", False),         # Femme, oui
    ]
    dates = con.execute("select workshop_date::varchar from stg_workshops order by source_row")
    assert dates.fetchall() == [("2022-03-15",), ("2022-03-20",), ("2022-04-02",)]
    keys = con.execute(
        "select count(distinct person_key) from stg_attendances "
        "where source_row in (1, 4)"  # Fatima Zahra, 06 12 34 56 78 / fatima  ZAHRA, 0612345678
    ).fetchone()
    assert keys == (1,)
