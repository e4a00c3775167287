"""The M&E officers' workbook: French headers and labels, shares as percentages, counts as
integers, withheld figures as "masqué", text never turned into formulas, no sheet too long."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

import pipeline.workbook as workbook_module
from pipeline.dictionary import describe
from pipeline.workbook import MAX_SHEET_ROWS, write_workbook

THEMES = ["satisfaction", "information_participation", "ecarts", "participation", "cibles",
          "fichiers", "quarantaine", "signalements"]


@pytest.fixture(scope="module")
def workbook(e2e_run_threshold_4) -> openpyxl.Workbook:
    return openpyxl.load_workbook(
        e2e_run_threshold_4 / "marts" / "exports" / "citizen_metrics.xlsx")


def rows_of(sheet) -> list[dict]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_one_sheet_per_theme_with_french_headers(workbook, marts_threshold_4) -> None:
    assert workbook.sheetnames == ["lisez-moi", *THEMES, "colonnes"]
    codes = {name for (name,) in marts_threshold_4.execute(
        "select distinct column_name from information_schema.columns").fetchall()}
    for name in THEMES:
        sheet = workbook[name]
        headers = [cell.value for cell in sheet[1]]
        assert headers and not set(headers) & codes, (name, set(headers) & codes)
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), name
        assert all(sheet.column_dimensions[c].width >= 6 for c in
                   (openpyxl.utils.get_column_letter(i + 1) for i in range(len(headers))))


def test_codes_become_french_labels(workbook) -> None:
    rows = rows_of(workbook["satisfaction"])
    groups = {row["Groupe"] for row in rows}
    assert {"Ensemble", "Femme", "Homme", "Jeunes (15–29 ans)", "En situation de handicap",
            "Rural"} <= groups
    assert "female" not in groups and "female,rural" not in groups
    breakdowns = {row["Ventilation"] for row in rows}
    assert breakdowns == {"Ensemble", "Sexe", "Tranche d'âge", "Situation de handicap",
                          "Milieu de résidence"}  # single dimensions only, no pairs
    assert "État civil (actes de naissance, mariage, décès)" in {r["Indicateur"] for r in rows}


def test_shares_are_percentages_and_counts_integers(workbook) -> None:
    sheet = workbook["satisfaction"]
    headers = [cell.value for cell in sheet[1]]
    share = headers.index("Part de satisfaits (4 ou 5)") + 1
    count = headers.index("Répondants") + 1
    numbers = [row for row in sheet.iter_rows(min_row=2)
               if isinstance(row[share - 1].value, float)]
    assert numbers
    assert all(row[share - 1].number_format == "0.0%" for row in numbers)
    assert all(row[count - 1].number_format == "#,##0" and isinstance(row[count - 1].value, int)
               for row in sheet.iter_rows(min_row=2))


def test_withheld_figures_read_masque(workbook, marts_threshold_4) -> None:
    rows = rows_of(workbook["satisfaction"])
    a = [r for r in rows if r["Code"] == "050910101" and r["Ventilation"] == "Tranche d'âge"
         and r["Indicateur"] == "Satisfaction globale"]
    by_group = {r["Groupe"]: r for r in a}
    # threshold 4: seniors (3 scores) primary, adults complementary, youth published 2/4
    assert by_group["Aînés (60 ans et plus)"]["Part de satisfaits (4 ou 5)"] == "masqué"
    assert by_group["Aînés (60 ans et plus)"]["Secret statistique"] == "masqué (n < 4)"
    assert by_group["Adultes (30–59 ans)"]["Note moyenne (1 à 5)"] == "masqué"
    assert by_group["Adultes (30–59 ans)"]["Secret statistique"] == (
        "masqué (secret complémentaire)")
    assert by_group["Jeunes (15–29 ans)"]["Note moyenne (1 à 5)"] == pytest.approx(4.0)
    assert by_group["Aînés (60 ans et plus)"]["Notes de 1 à 5"] == 3  # counts stay
    withheld = marts_threshold_4.execute(
        "select count(*) from mart_survey_indicators where suppressed "
        "and estimate_type = 'weighted' and group_key <> 'unknown' "
        "and breakdown in ('total', 'sex', 'age_group', 'disability', 'residence')"
    ).fetchone()[0]
    shown = [r for r in rows if r["Part de satisfaits (4 ou 5)"] == "masqué"
             and r["Groupe"] != "Non renseigné"]
    assert len(shown) == withheld


def test_every_column_is_explained_in_french(workbook) -> None:
    dictionary = rows_of(workbook["colonnes"])
    for name in THEMES:
        headers = [cell.value for cell in workbook[name][1]]
        listed = [row["Colonne"] for row in dictionary if row["Feuille"] == name]
        assert listed == headers, name
    assert all(row["Description"] and row["Description"] != describe("no_such_column")
               for row in dictionary)


def test_text_is_never_a_formula(e2e_run_threshold_4, tmp_path: Path) -> None:
    database = tmp_path / "citizen_metrics.duckdb"
    shutil.copyfile(e2e_run_threshold_4 / "marts" / "citizen_metrics.duckdb", database)
    with duckdb.connect(str(database)) as con:
        con.execute("update quality_quarantine set value = '=HYPERLINK(\"http://x\")' "
                    "where source_row = (select min(source_row) from quality_quarantine)")
    with duckdb.connect(str(database), read_only=True) as con:
        write_workbook(con, tmp_path / "book.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "book.xlsx")["quarantaine"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row
             if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_long_themes_are_split_over_sheets(e2e_run_threshold_4, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook_module, "MAX_SHEET_ROWS", 100)
    with duckdb.connect(str(e2e_run_threshold_4 / "marts" / "citizen_metrics.duckdb"),
                        read_only=True) as con:
        written = write_workbook(con, tmp_path / "book.xlsx")
        expected = con.execute(
            "select count(*) from mart_survey_indicators where estimate_type = 'weighted' "
            "and breakdown in ('total', 'sex', 'age_group', 'disability', 'residence')"
        ).fetchone()[0]
    book = openpyxl.load_workbook(tmp_path / "book.xlsx", read_only=True)
    parts = [name for name in book.sheetnames if name.startswith("satisfaction")]
    assert parts[:2] == ["satisfaction", "satisfaction (2)"]
    assert sum(written[name] for name in parts) == expected
    assert all(0 < book[name].max_row - 1 <= 100 for name in parts)


def test_no_sheet_is_longer_than_excel_users_can_handle(workbook) -> None:
    assert MAX_SHEET_ROWS == 50_000
    assert all(workbook[name].max_row - 1 <= MAX_SHEET_ROWS for name in workbook.sheetnames)
