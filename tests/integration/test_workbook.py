"""The M&E officers' workbook: French headers and labels, shares as percentages, gaps in
points, counts as integers, withheld figures as "masqué", text never turned into formulas, no
sheet too long, every figure row filterable by province, commune type and programme, the
pairs of dimensions in columns of their own, widths that fit what is written."""

from __future__ import annotations

import csv
import io
import math
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import openpyxl
import pytest

import citizen_metrics.publish.workbook as workbook_module
from citizen_metrics.publish.dictionary import describe
from citizen_metrics.publish.workbook import GAP, MAX_SHEET_ROWS, Column, write_workbook
from citizen_metrics.settings import REPO_ROOT

THEMES = ["satisfaction", "satisfaction_croisements", "information_participation", "ecarts",
          "participation", "cibles", "periode", "fichiers", "quarantaine", "signalements"]
# The sheets of figures, each row a geography.
FIGURE_SHEETS = ["satisfaction", "information_participation", "ecarts", "participation",
                 "cibles"]
REFERENCE = REPO_ROOT / "data" / "reference"


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
            assert row["Cible atteinte"] == ("oui" if met else "non")


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
    parts = [name for name in book.sheetnames
             if name == "satisfaction" or name.startswith("satisfaction (")]
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


# --- filters: province, commune type, programme; the pairs of dimensions ---------------------


def reference_rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def expected_place(level: str, code: str) -> tuple:
    """(Code province, Province, Type de commune, Commune du programme) of a geography, from
    the reference lists themselves (not from the published label tables)."""
    provinces = {row["province_code"]: row["name_fr"] for row in reference_rows("provinces.csv")}
    communes = {row["commune_code"]: row for row in reference_rows("communes.csv")}
    programme = {row["commune_code"] for row in reference_rows("programme_communes.csv")}
    if level == "Région":
        return None, "Région", None, None
    if level == "Province":
        return code, provinces[code], None, None
    commune = communes[code]
    kind = {"urban": "Commune urbaine", "rural": "Commune rurale"}[commune["commune_type"]]
    return (commune["province_code"], provinces[commune["province_code"]], kind,
            "oui" if code in programme else "non")


def place_of(row: dict) -> tuple:
    return (row["Code province"], row["Province"], row["Type de commune"],
            row["Commune du programme"])


def test_every_figure_row_says_its_province_commune_type_and_programme(workbook) -> None:
    levels = set()
    for name in FIGURE_SHEETS:
        rows = rows_of(workbook[name])
        assert rows, name
        for row in rows:
            assert place_of(row) == expected_place(row["Niveau"], row["Code"]), (name, row)
            levels.add(row["Niveau"])
    assert levels == {"Région", "Province", "Commune"}


def test_a_commune_outside_the_programme_reads_non(e2e_run_threshold_4, tmp_path: Path) -> None:
    """The fixture's communes are all in the programme: move one commune's targets to a
    commune of another province that is not, and read what the sheet says of it."""
    programme = {row["commune_code"] for row in reference_rows("programme_communes.csv")}
    outside = next(row for row in reference_rows("communes.csv")
                   if row["commune_code"] not in programme
                   and row["province_code"] not in {"05081", "05091"}
                   and row["commune_type"] == "urban")
    database = tmp_path / "citizen_metrics.duckdb"
    shutil.copyfile(e2e_run_threshold_4 / "marts" / "citizen_metrics.duckdb", database)
    with duckdb.connect(str(database)) as con:
        moved = con.execute(
            "update mart_targets set geography_code = ? where geography_code = '050810305'",
            [outside["commune_code"]]).fetchone()[0]
    assert moved
    with duckdb.connect(str(database), read_only=True) as con:
        write_workbook(con, tmp_path / "book.xlsx")
    rows = [row for row in rows_of(openpyxl.load_workbook(tmp_path / "book.xlsx")["cibles"])
            if row["Code"] == outside["commune_code"]]
    assert len(rows) == moved
    provinces = {row["province_code"]: row["name_fr"] for row in reference_rows("provinces.csv")}
    assert {place_of(row) for row in rows} == {
        (outside["province_code"], provinces[outside["province_code"]], "Commune urbaine",
         "non")}


def filtered(rows: list[dict], **criteria: str) -> list[dict]:
    """The rows an autofilter leaves: each named column equal to its value (a column name
    given with `_` for its spaces)."""
    wanted = {name.replace("_", " "): value for name, value in criteria.items()}
    return [row for row in rows if all(row[name] == value for name, value in wanted.items())]


FIGURES = {"Part de satisfaits (4 ou 5)": "satisfied_share", "Note moyenne (1 à 5)": "mean_score",
           "IC 95 % bas": "ci_low", "IC 95 % haut": "ci_high"}


def assert_as_published(row: dict, mart: dict) -> str:
    """The sheet's figures of a row are the mart's, or "masqué" where it suppresses them;
    which of the two it was."""
    assert row["Notes de 1 à 5"] == mart["n_rated"]
    for header, column in FIGURES.items():
        if mart["suppressed"]:
            assert row[header] == "masqué", header
        elif mart[column] is None:
            assert row[header] is None, header
        else:
            assert row[header] == pytest.approx(mart[column]), header
    return "masqué" if mart["suppressed"] else "published"


def mart_figure(marts, province: str, breakdown: str, group: str, indicator: str,
                estimate_type: str) -> dict:
    cursor = marts.execute(
        "select * from mart_survey_indicators where geography_code = ? and breakdown = ? "
        "and group_key = ? and indicator = ? and estimate_type = ?",
        [province, breakdown, group, indicator, estimate_type])
    names = [d[0] for d in cursor.description]
    found = cursor.fetchall()
    assert len(found) == 1
    return dict(zip(names, found[0], strict=True))


def test_satisfaction_of_women_in_rural_communes_of_azilal_by_filters_alone(
        workbook, marts_threshold_4) -> None:
    """The officer's question: three filters on the sheet of pairs, one indicator, one row,
    the figure of `mart_survey_indicators` for Azilal (05081), breakdown sex × commune type,
    group female,rural, weighted (pairs with the commune type are published weighted)."""
    rows = rows_of(workbook["satisfaction_croisements"])
    azilal = filtered(rows, Province="Azilal", Sexe="Femme", Type_de_commune="Commune rurale")
    found = filtered(azilal, Indicateur="Confiance dans le conseil communal")
    assert len(found) == 1
    row = found[0]
    assert (row["Niveau"], row["Code"], row["Estimation"]) == (
        "Province", "05081", "Pondéré (population RGPH 2024)")
    assert row["Tranche d'âge"] is None and row["Milieu de résidence"] is None
    mart = mart_figure(marts_threshold_4, "05081", "sex,commune_type", "female,rural",
                       "trust_council", "weighted")
    # Two women of Azilal's rural commune rated trust (fewer than 4): suppressed.
    assert mart["n_rated"] == 2
    assert assert_as_published(row, mart) == "masqué"
    # Every indicator alike: one row each, the mart's figure or "masqué".
    assert len(azilal) == marts_threshold_4.execute(
        "select count(*) from mart_survey_indicators where geography_code = '05081' "
        "and breakdown = 'sex,commune_type' and group_key = 'female,rural' "
        "and estimate_type = 'weighted'").fetchone()[0]


def test_every_pair_row_is_the_published_figure(workbook, marts_threshold_4) -> None:
    """Each row of the sheet of pairs, found back through its filters, is its mart row:
    weighted for a pair with the commune type, unweighted otherwise (weighted pairs are never
    published, `weighted_pair`)."""
    rows = rows_of(workbook["satisfaction_croisements"])
    labels = dict(marts_threshold_4.execute(
        "select breakdown || ':' || group_key, label_fr from label_groups").fetchall())
    headers = {"sex": "Sexe", "age_group": "Tranche d'âge",
               "disability": "Situation de handicap", "residence": "Milieu de résidence",
               "commune_type": "Type de commune", "survey_round": "Vague d'enquête"}
    indicators = dict(marts_threshold_4.execute(
        "select indicator, label_fr from label_indicators").fetchall())
    places = {"05": "Région", "05081": "Azilal", "05091": "Béni Mellal"}
    cursor = marts_threshold_4.execute(
        "select * from mart_survey_indicators where geography_level <> 'commune' "
        "and contains(breakdown, ',') and (estimate_type = 'weighted') "
        "= contains(breakdown, 'commune_type')")
    names = [d[0] for d in cursor.description]
    marts = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    assert len(marts) == len(rows)
    seen: dict[str, int] = defaultdict(int)
    for mart in marts:
        criteria = {header: None for header in headers.values()}
        for dimension, group in zip(mart["breakdown"].split(","), mart["group_key"].split(","),
                                    strict=True):
            criteria[headers[dimension]] = labels[f"{dimension}:{group}"]
        found = [row for row in rows
                 if row["Province"] == places[mart["geography_code"]]
                 and row["Indicateur"] == indicators[mart["indicator"]]
                 and all(row[h] == v for h, v in criteria.items())]
        assert len(found) == 1, mart
        assert found[0]["Estimation"] == (
            "Pondéré (population RGPH 2024)" if mart["estimate_type"] == "weighted"
            else "Non pondéré")
        seen[f"{mart['estimate_type']} {assert_as_published(found[0], mart)}"] += 1
    assert set(seen) == {"weighted masqué", "weighted published", "unweighted masqué",
                         "unweighted published"}, seen


# --- gaps in points --------------------------------------------------------------------------


def test_gaps_are_in_points_and_shares_in_percent(workbook, marts_threshold_4,
                                                  e2e_run_threshold_4) -> None:
    sheet = workbook["ecarts"]
    headers = [cell.value for cell in sheet[1]]
    assert {"Écart A − B (points)", "IC 95 % bas (points)", "IC 95 % haut (points)"} <= set(
        headers)
    gap_at, share_at = headers.index("Écart A − B (points)"), headers.index("Satisfaits A")
    cells = [(row[gap_at], row[share_at]) for row in sheet.iter_rows(min_row=2)
             if isinstance(row[gap_at].value, float)]
    assert cells
    assert all(gap.number_format == '+0.0" pts";-0.0" pts";0.0" pts"'
               and share.number_format == "0.0%" for gap, share in cells)
    # Region, overall satisfaction, women − men: 4 of 8 women and 4 of 6 men satisfied, as
    # published (3 decimals): 0.5 − 0.667 = −0.167, that is −16.7 points.
    published = marts_threshold_4.execute(
        "select share_a, share_b, gap, ci_low, ci_high from mart_equity_gaps "
        "where geography_code = '05' and indicator = 'sat_overall' and dimension = 'sex'"
    ).fetchone()
    assert published[:3] == (0.5, 0.667, -0.167)
    rows = rows_of(sheet)
    region = filtered(rows, Code="05", Indicateur="Satisfaction globale", Dimension="Sexe")[0]
    assert region["Écart A − B (points)"] == pytest.approx(-16.7, abs=1e-9)
    assert region["IC 95 % bas (points)"] == pytest.approx(published[3] * 100, abs=1e-9)
    assert region["IC 95 % haut (points)"] == pytest.approx(published[4] * 100, abs=1e-9)
    assert region["Satisfaits A"] == pytest.approx(0.5)
    # The French-Excel CSV says the same, with a decimal comma and one "(points)".
    raw = (e2e_run_threshold_4 / "marts" / "exports" / "excel_fr" / "ecarts.csv").read_text(
        encoding="utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(raw), delimiter=";"))
    assert "Écart A − B (points)" in lines[0] and "Satisfaits A (%)" in lines[0]
    assert not any("(points) (points)" in name for name in lines[0])
    line = next(line for line in lines if line["Code"] == '="05"'
                and line["Indicateur"] == "Satisfaction globale" and line["Dimension"] == "Sexe")
    assert (line["Écart A − B (points)"], line["Satisfaits A (%)"]) == ("-16,7", "50,0")
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        value = row["Écart A − B (points)"]
        assert line["Écart A − B (points)"] == (
            "masqué" if value == "masqué" else f"{value:.1f}".replace(".", ","))


def test_a_gap_column_says_it_is_in_points() -> None:
    with pytest.raises(ValueError, match="points"):
        Column("Écart A − B", GAP, "gap")


# --- widths ----------------------------------------------------------------------------------


def widths_of(sheet) -> dict[int, float]:
    """The width of each column in characters, as written: the file stores it with the
    cell's padding (10 → 10.71); xlsxwriter writes neighbours of one width as one range;
    openpyxl adds an entry without range for a column merely looked up."""
    return {index: math.floor(dimension.width)
            for dimension in sheet.column_dimensions.values()
            if dimension.min is not None and dimension.max is not None
            for index in range(dimension.min, dimension.max + 1)}


def test_widths_fit_the_longest_label_of_each_column(e2e_run_threshold_4) -> None:
    workbook = openpyxl.load_workbook(
        e2e_run_threshold_4 / "marts" / "exports" / "citizen_metrics.xlsx")
    checked = 0
    for name in [*THEMES, "secret_statistique", "colonnes"]:
        sheet = workbook[name]
        widths = widths_of(sheet)
        columns = list(zip(*sheet.iter_rows(values_only=True), strict=True))
        for index, (header, *values) in enumerate(columns, start=1):
            texts = [value for value in values if isinstance(value, str)]
            if not texts or len(texts) < len([v for v in values if v is not None]):
                continue  # numbers: their shown length depends on the format
            longest = max(map(len, texts))
            width = widths[index]
            # Fits the longest text (60 at most), is no wider than it or its header (plus
            # the filter's button), and never wider than 60.
            assert min(longest, 58) + 2 <= width <= 60, (name, header, longest, width)
            assert width <= max(longest, len(header), 6) + 2, (name, header, longest, width)
            checked += 1
    assert checked > 50
    colonnes = widths_of(workbook["colonnes"])
    assert colonnes[4] == 60  # descriptions longer than 60 characters: capped
