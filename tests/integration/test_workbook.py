"""The M&E officers' workbook: French headers and labels, shares as percentages, counts as
integers, withheld figures as "masqué", text never turned into formulas, no sheet too long."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

import citizen_metrics.publish.workbook as workbook_module
from citizen_metrics.publish.dictionary import describe
from citizen_metrics.publish.workbook import MAX_SHEET_ROWS, write_workbook

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
    assert workbook.sheetnames == ["lisez-moi", *THEMES, "secret_statistique", "colonnes"]
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
    a = {(r["Indicateur"], r["Groupe"]): r for r in rows if r["Code"] == "050910101"}
    # Threshold 4. Béni Mellal's seniors (3 scores): primary.
    seniors = a[("Satisfaction globale", "Aînés (60 ans et plus)")]
    assert seniors["Part de satisfaits (4 ou 5)"] == "masqué"
    assert seniors["Secret statistique"] == "masqué (n < 4)"
    assert seniors["Notes de 1 à 5"] == 3  # counts stay
    # Its 11 overall scores: withheld to protect Ait Bou Oulli (3 scores), the region's
    # total being published.
    overall = a[("Satisfaction globale", "Ensemble")]
    assert overall["Note moyenne (1 à 5)"] == "masqué"
    assert overall["Secret statistique"] == "masqué (secret complémentaire)"
    # Trust in the council, 4 3 2 3 1 5 4 2 4 3 5: mean 36/11, 5 of 11 are 4 or 5; as
    # published as weighted figures are (1 and 2 decimals: the sheet shows weighted
    # figures, and a commune's are its unweighted ones).
    trust = a[("Confiance dans le conseil communal", "Ensemble")]
    assert trust["Note moyenne (1 à 5)"] == pytest.approx(3.3)
    assert trust["Part de satisfaits (4 ou 5)"] == pytest.approx(0.45)
    assert trust["Secret statistique"] is None
    # The region's weighted overall satisfaction: withheld to protect its two withheld
    # communes (beside the unweighted total, it would be a second equation on them).
    region = next(r for r in rows if r["Code"] == "05" and r["Groupe"] == "Ensemble"
                  and r["Indicateur"] == "Satisfaction globale")
    assert region["Part de satisfaits (4 ou 5)"] == "masqué"
    assert region["Secret statistique"] == "masqué (secret complémentaire)"
    withheld = marts_threshold_4.execute(
        "select count(*) from mart_survey_indicators where suppressed "
        "and estimate_type = 'weighted' and group_key <> 'unknown' "
        "and breakdown in ('total', 'sex', 'age_group', 'disability', 'residence')"
    ).fetchone()[0]
    shown = [r for r in rows if r["Part de satisfaits (4 ou 5)"] == "masqué"
             and r["Groupe"] != "Non renseigné"]
    assert len(shown) == withheld


def test_withheld_option_counts_read_masque(workbook, marts_threshold_4) -> None:
    # A withheld option share keeps its respondents, not the number citing it.
    rows = rows_of(workbook["information_participation"])
    withheld = [r for r in rows if r["Part"] == "masqué"]
    assert withheld and len(withheld) < len(rows)
    assert all(r["Citant la réponse"] == "masqué" and isinstance(r["Répondants"], int)
               for r in withheld)
    assert all(isinstance(r["Citant la réponse"], int) for r in rows if r["Part"] != "masqué")
    assert len(withheld) == marts_threshold_4.execute(
        "select count(*) from mart_survey_options where suppressed "
        "and estimate_type = 'weighted' "
        "and breakdown in ('total', 'sex', 'age_group', 'disability', 'residence')"
    ).fetchone()[0]


PARTICIPATION_SHARES = {"share_women": "Part des femmes",
                        "share_youth": "Part des jeunes (15–29 ans)",
                        "share_with_disability": "Part des personnes en situation de handicap",
                        "share_rural": "Part des résidents ruraux"}


def test_participation_sheet_withholds_what_the_mart_withholds(workbook,
                                                               marts_threshold_4) -> None:
    # Three ways a participation figure is withheld: a dimension share with its row
    # (`suppressed`) or alone (`withheld_shares`), the category shares
    # (`categories_suppressed`), the counts (NULL).
    sheet = {(r["Code"], r["Ventilation"], r["Groupe"]): r
             for r in rows_of(workbook["participation"])}
    published = marts_threshold_4.execute(
        f"""
        select p.geography_code, g.breakdown_fr, g.label_fr, p.suppressed,
               coalesce(p.withheld_shares, ''), p.categories_suppressed, p.attendances,
               {", ".join(PARTICIPATION_SHARES)}, p.share_citoyen
        from mart_participation p join label_groups g using (breakdown, group_key)
        where p.breakdown in ('total', 'sex', 'age_group', 'disability', 'residence')
        """).fetchall()
    assert len(published) == len(sheet)
    seen = {"withheld": 0, "shown": 0}
    for code, breakdown, group, suppressed, alone, categories, attendances, *shares in (
            published):
        row = sheet[(code, breakdown, group)]
        assert row["Présences"] == ("masqué" if attendances is None else attendances)
        for (name, header), value in zip(PARTICIPATION_SHARES.items(), shares[:4],
                                         strict=True):
            if suppressed or name in alone.split(","):
                assert row[header] == "masqué", (code, group, name)
                seen["withheld"] += 1
            elif value is not None:
                assert row[header] == pytest.approx(value)
                seen["shown"] += 1
        if categories:
            assert row["Part : Citoyen(ne)s"] == "masqué"
            seen["withheld"] += 1
        elif shares[4] is not None:
            assert row["Part : Citoyen(ne)s"] == pytest.approx(shares[4])
            seen["shown"] += 1
        if not suppressed and (alone or categories):
            assert row["Secret statistique"] == "masqué (secret complémentaire)"
    assert all(seen.values()), seen


def test_targets_withheld_read_masque(workbook, marts_threshold_4) -> None:
    rows = rows_of(workbook["cibles"])
    published = marts_threshold_4.execute(
        "select geography_code, indicator, actual, met from mart_targets").fetchall()
    labels = dict(marts_threshold_4.execute(
        "select indicator, label_fr from label_indicators").fetchall())
    sheet = {(r["Code"], r["Indicateur"]): r for r in rows}
    assert len(sheet) == len(published)
    for code, indicator, actual, met in published:
        row = sheet[(code, labels[indicator])]
        if actual is None:
            assert row["Réalisé"] == row["Cible atteinte"] == "masqué"
        else:
            assert row["Réalisé"] == pytest.approx(actual)
            assert row["Cible atteinte"] == ("Oui" if met else "Non")


def test_every_column_is_explained_in_french(workbook) -> None:
    dictionary = rows_of(workbook["colonnes"])
    for name in THEMES:
        headers = [cell.value for cell in workbook[name][1]]
        listed = [row["Colonne"] for row in dictionary if row["Feuille"] == name]
        assert listed == headers, name
    assert all(row["Description"] for row in dictionary)
    described = {(row["Feuille"], row["Colonne source"]): row["Description"]
                 for row in dictionary}
    # From the declarations of the published tables, generated columns by their family.
    assert described[("satisfaction", "ci_low")] == describe("mart_survey_indicators", "ci_low")
    assert described[("ecarts", "ci_low")] == describe("mart_equity_gaps", "ci_low")
    assert "Newcombe" in described[("ecarts", "ci_low")]
    assert described[("participation", "share_elu")] == (
        "Part de la catégorie de participants « elu » parmi les présences.")
    with pytest.raises(KeyError):
        describe("mart_targets", "no_such_column")


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


def test_french_excel_csv_files_hold_the_sheets_as_a_french_excel_reads_them(
        e2e_run_threshold_4, workbook) -> None:
    """Beside the machine-readable CSV, each sheet as CSV for a French-locale Excel: BOM,
    `;`, decimal comma, codes kept as text, French headers, "masqué" where suppressed; the
    same rows as the workbook's sheet."""
    folder = e2e_run_threshold_4 / "marts" / "exports" / "excel_fr"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{name}.csv" for name in [*THEMES, "secret_statistique"])
    raw = (folder / "satisfaction.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Niveau", "Code", "Nom"]
    assert "Part de satisfaits (4 ou 5) (%)" in header
    sheet = rows_of(workbook["satisfaction"])
    assert len(body) == len(sheet)
    share = header.index("Part de satisfaits (4 ou 5) (%)")
    for line, expected in zip(body, sheet, strict=True):
        value = expected["Part de satisfaits (4 ou 5)"]
        code = expected["Code"]
        assert line[1] == f'="{code}"'  # a code Excel keeps as text, leading zero and all
        if value == "masqué":
            assert line[share] == "masqué"
        elif value is not None:
            assert line[share] == f"{round(value * 100, 1):.1f}".replace(".", ",")
    assert any(line[share] == "masqué" for line in body)
    assert any("," in line[share] for line in body)  # a decimal comma, never a point
    assert not any("." in line[share] for line in body)
