"""The managers' report: every province and programme commune, figures read back from the
HTML against the published marts, withheld figures shown as withheld, never as numbers."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import pytest
from bs4 import BeautifulSoup
from plotly.offline import get_plotlyjs

from citizen_metrics.publish.report import build_report, text
from citizen_metrics.settings import REPO_ROOT

REFERENCE = REPO_ROOT / "data" / "reference"
A = "050910101"  # Béni Mellal, 12 responses in the fixture


def report_of(root: Path) -> BeautifulSoup:
    html = (root / "marts" / "report" / "rapport.html").read_text(encoding="utf-8")
    return BeautifulSoup(html.replace(get_plotlyjs(), ""), "html.parser")


def figure_specs(page: BeautifulSoup) -> dict[tuple[str, str], dict]:
    return {(s["data-geography"], s["data-figure"]): json.loads(s.string)
            for s in page.select("script.figure-spec")}


@pytest.fixture(scope="module")
def page(e2e_run) -> BeautifulSoup:
    root, _ = e2e_run
    return report_of(root)


@pytest.fixture(scope="module")
def page_threshold_4(e2e_run_threshold_4) -> BeautifulSoup:
    return report_of(e2e_run_threshold_4)


def test_every_province_and_programme_commune_has_its_section(page) -> None:
    provinces = pd.read_csv(REFERENCE / "provinces.csv", dtype=str)
    cohort = pd.read_csv(REFERENCE / "programme_communes.csv", dtype=str)
    communes = pd.read_csv(REFERENCE / "communes.csv", dtype=str).set_index("commune_code")
    expected = {("province", p.province_code, p.name_fr, p.name_ar)
                for p in provinces.itertuples()}
    expected |= {("commune", code, communes.loc[code, "name_fr"], communes.loc[code, "name_ar"])
                 for code in cohort["commune_code"]}
    sections = {
        (s["data-level"], s["data-code"]): s for s in page.select("section.geography")
    }
    assert len(sections) == 1 + len(provinces) + len(cohort)
    for level, code, name_fr, name_ar in expected:
        heading = sections[(level, code)].find("h2")
        assert name_fr in heading.get_text() and name_ar in heading.get_text(), code
        assert page.select_one(f'nav a[href="#g-{code}"]') is not None, code
    non_programme = set(communes.index) - set(cohort["commune_code"])
    assert not {code for _, code in sections} & non_programme


def test_a_commune_without_data_says_so(page) -> None:
    # Only two communes have files in the fixture: the others have no figure, no zero.
    section = page.select_one('section[data-code="050810101"]')  # Azilal, no fixture file
    assert "Aucune donnée publiée" in section.get_text()
    assert not section.select(".plot") and not section.select(".card")


def _cells(spec: dict) -> dict[tuple[str, str], dict]:
    """Heatmap cells by (indicator label, group label) with z, text and hover, and the
    reason written on withheld cells or the mark of a group without any score."""
    heatmap, _, withheld, empty = spec["data"]
    cells = {}
    for row, indicator in enumerate(heatmap["y"]):
        for column, group in enumerate(heatmap["x"][1]):
            cells[(indicator, group)] = {"z": heatmap["z"][row][column],
                                         "text": heatmap["text"][row][column],
                                         "hover": heatmap["customdata"][row][column]}
    for group, indicator, reason in zip(withheld["x"][1], withheld["y"],
                                        withheld["hovertext"], strict=True):
        cells[(indicator, group)]["withheld_mark"] = reason
    for group, indicator in zip(empty["x"][1], empty["y"], strict=True):
        cells[(indicator, group)]["no_score_mark"] = True
    return cells


def _reasons(con) -> dict[str, str]:
    """French label of each reason a figure is withheld (`suppression` codes)."""
    return dict(con.execute(
        "select code, label_fr from label_codes where code_list = 'suppression'").fetchall())


def _label(label: str) -> str:
    return label.replace("<br>", " ")


@pytest.mark.parametrize("threshold", [10, 4])
def test_satisfaction_heatmaps_match_the_marts(threshold, page, page_threshold_4, marts,
                                               marts_threshold_4) -> None:
    html, con = (page, marts) if threshold == 10 else (page_threshold_4, marts_threshold_4)
    specs = figure_specs(html)
    reasons = _reasons(con)
    rows = con.execute(
        """
        select m.geography_code, i.short_fr, g.label_fr, m.satisfied_share, m.suppressed,
               m.suppression
        from mart_survey_indicators m
        join label_indicators i using (indicator)
        join label_groups g using (breakdown, group_key)
        where m.breakdown in ('total', 'sex', 'age_group', 'disability', 'residence')
          and m.group_key <> 'unknown'
          and m.estimate_type = case when m.geography_level = 'commune' then 'unweighted'
                                     else 'weighted' end
        """
    ).fetchall()
    published = withheld = 0
    for code, indicator, group, share, suppressed, reason in rows:
        cells = {(_label(i), _label(g)): c
                 for (i, g), c in _cells(specs[(code, "satisfaction")]).items()}
        cell = cells[(indicator, group)]
        if suppressed:
            withheld += 1
            # hatched, with the reason (small group, complementary, weighted…), no number
            assert cell["z"] is None and cell["withheld_mark"] == reasons[reason]
            assert "no_score_mark" not in cell
            assert not re.search(r"\d", cell["text"] + cell["hover"]), cell
        elif share is None:  # nobody in the group gave a score: "—", not withheld
            assert cell["z"] is None and cell["no_score_mark"]
            assert "withheld_mark" not in cell and cell["text"] == ""
        else:
            published += 1
            # the published share (4 decimals) as a percentage, to 1 decimal and to units
            assert cell["z"] == pytest.approx(share * 100, abs=0.05 + 1e-9)
            assert round(cell["z"], 1) == cell["z"]
            assert cell["text"].endswith("\u202f%")
            assert int(cell["text"][:-2]) == pytest.approx(share * 100, abs=0.5 + 1e-9)
            assert "withheld_mark" not in cell and "no_score_mark" not in cell
    # At 10, nothing of the fixture's heatmaps survives: every commune group has fewer
    # than 10 scores or protects one that has, and the weighted figures of provinces and
    # the region sit above withheld communes.
    assert withheld > 0 and (published > 0 or threshold == 10)
    if threshold == 4:
        # Béni Mellal, all respondents: trust in the council 5 of 11 scores are 4 or 5
        # (4 3 2 3 1 5 4 2 4 3 5); overall satisfaction withheld to protect Ait Bou Oulli
        # (3 scores), the region's total being published.
        cells = {(_label(i), _label(g)): c
                 for (i, g), c in _cells(specs[(A, "satisfaction")]).items()}
        assert cells[("Confiance dans le conseil communal", "Ensemble")]["z"] == (
            pytest.approx(45.5))
        overall = cells[("Satisfaction globale", "Ensemble")]
        assert overall["z"] is None
        assert overall["withheld_mark"] == "masqué (secret complémentaire)"


def test_equity_and_targets_show_withheld_figures_as_withheld(page, marts) -> None:
    specs = figure_specs(page)
    gaps = marts.execute(
        "select geography_code, count(*) filter (suppressed), count(*) filter (not suppressed)"
        " from mart_equity_gaps group by 1").fetchall()
    for code, withheld, shown in gaps:
        traces = specs[(code, "equity")]["data"]
        marked = sum(len(t["x"]) for t in traces if t.get("mode") == "text"
                     and t["text"] and t["text"][0] == "masqué")
        points = [x for t in traces if t.get("mode") == "markers" for x in t["x"]]
        assert marked == withheld and len(points) == shown
    reasons = _reasons(marts)
    names = ("share_women", "share_youth", "share_with_disability", "share_rural")
    participation = marts.execute(
        f"select geography_code, suppressed, suppression, withheld_shares, {', '.join(names)} "
        "from mart_participation where breakdown = 'total' and geography_code in "
        "(select geography_code from label_geographies "
        " where geography_level <> 'commune' or in_programme)").fetchall()
    assert participation
    for code, suppressed, reason, alone, *shares in participation:
        bars, _target, masked, _none = specs[(code, "targets")]["data"]
        alone = (alone or "").split(",")
        # A share withheld with its row reads the row's reason; one withheld alone on a
        # published row (its numerator would give a hidden share away), "complementary".
        expected_marks = [reasons[reason] if suppressed else reasons["complementary"]
                          for name in names if suppressed or name in alone]
        expected_bars = [round(share * 100, 2) for name, share in zip(names, shares,
                                                                     strict=True)
                         if not (suppressed or name in alone)]
        assert masked["text"] == expected_marks, code
        assert bars["x"] == pytest.approx(expected_bars), code


def test_headline_cards_show_withheld_shares_as_withheld(page, marts) -> None:
    # Béni Mellal: 5 attendances, fewer than 10: the shares are withheld, the counts are not.
    suppressed, reason, attendances = marts.execute(
        "select suppressed, suppression, attendances from mart_participation "
        f"where geography_code = '{A}' and breakdown = 'total'").fetchone()
    assert (suppressed, reason, attendances) == (True, "primary", 5)
    section = page.select_one(f'section[data-code="{A}"]')
    cards = {c.select_one(".label").get_text(): c for c in section.select(".card")}
    women = cards["Part des femmes"]
    assert "withheld" in women["class"] and "masqué (n < 10)" in women.get_text()
    assert not re.search(r"\d+,\d", women.select_one(".value").get_text())
    assert cards["Présences aux ateliers"].select_one(".value").get_text() == "5"


def test_withheld_counts_read_masque(e2e_run, tmp_path) -> None:
    # Where the counts of a geography's row would give a hidden share away, the marts
    # publish them as NULL: the cards, the overview and the chart's source say "masqué",
    # never "—" (no workshop) or a number.
    root, _ = e2e_run
    database = tmp_path / "citizen_metrics.duckdb"
    shutil.copyfile(root / "marts" / "citizen_metrics.duckdb", database)
    with duckdb.connect(str(database)) as con:
        con.execute("update mart_participation set workshops = null, attendances = null, "
                    "unique_participants = null, suppression = 'complementary' "
                    f"where geography_code = '{A}' and breakdown = 'total'")
    build_report(database, tmp_path / "marts" / "report" / "rapport.html")
    page = report_of(tmp_path)
    section = page.select_one(f'section[data-code="{A}"]')
    cards = {c.select_one(".label").get_text(): c for c in section.select(".card")}
    for label in ("Ateliers tenus", "Présences aux ateliers", "Participants uniques"):
        assert "withheld" in cards[label]["class"], label
        assert cards[label].select_one(".value").get_text() == "masqué (secret complémentaire)"
    targets = figure_specs(page)[(A, "targets")]  # still drawn: workshops were held
    source = targets["layout"]["annotations"][0]["text"].replace("<br>", " ")
    assert "présences et ateliers masqués" in source and "5 présences" not in source
    province = page.select_one('section[data-code="05091"]')
    row = next(r for r in province.select("tbody tr") if A in r.select_one("a")["href"])
    attendance_cell = row.select("td")[4]
    assert "withheld" in attendance_cell["class"]


def test_percentages_of_published_shares_round_half_up() -> None:
    # Shares are published to 4 decimals: 0.4545 (5/11) is 45.45 %, shown 45,5 % — binary
    # arithmetic would give 45.449999… and 45,4 %.
    assert text.rounded_percent(0.4545, 1) == 45.5
    assert text.percent(0.4545, 1) == "45,5\u202f%"
    assert text.percent(0.545) == "55\u202f%"
    assert text.points(-0.0125) == "−1,3\u202fpts"
    assert text.percent(None) == "—"


def test_every_figure_is_titled_sourced_and_valid(page_threshold_4) -> None:
    specs = figure_specs(page_threshold_4)
    kinds = {kind for _, kind in specs}
    # the survey's other questions and the communes side by side: one kind per question
    # family and per indicator to rank on (tests/integration/test_report_questions.py)
    assert {kind for kind in kinds if not kind.startswith(("questions-", "ranking-"))} == {
        "satisfaction", "equity", "targets", "files", "quarantine", "flags"}
    checked = set()
    for (_, kind), spec in specs.items():
        layout = spec["layout"]
        assert layout["title"]["text"].startswith("<b>")
        source = layout["annotations"][0]["text"].replace("<br>", " ")
        assert source.startswith("Source") and "Données arrêtées au" in source, kind
        assert all(axis.get("title", {}).get("text") is not None
                   for name, axis in layout.items() if name.startswith("xaxis")), kind
        if kind not in checked:
            go.Figure(spec)  # Plotly's own validation of the specification
            checked.add(kind)


def test_the_page_opens_offline_with_plotly_once(e2e_run) -> None:
    root, _ = e2e_run
    html = (root / "marts" / "report" / "rapport.html").read_text(encoding="utf-8")
    assert html.count(get_plotlyjs()) == 1
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=\"http", html)
    assert html.count('class="figure-spec"') == len(figure_specs(report_of(root)))


def test_the_report_reads_only_the_published_database(e2e_run, tmp_path) -> None:
    root, _ = e2e_run
    alone = tmp_path / "citizen_metrics.duckdb"
    shutil.copyfile(root / "marts" / "citizen_metrics.duckdb", alone)
    summary = build_report(alone, tmp_path / "report" / "rapport.html")
    assert summary.geographies == 1 + 5 + 40
    assert summary.figures == len(figure_specs(report_of(root)))
    assert not math.isnan(summary.seconds)


def test_every_page_says_when_the_survey_ran(page, marts) -> None:
    """The period under each page's title, read back against mart_fieldwork."""
    from citizen_metrics.publish.report.trend import long_date

    periods = marts.execute("""
        select geography_code, first_interview_day, last_interview_day, n_respondents
        from mart_fieldwork where survey_round = 'all'
    """).fetchall()
    sections = {s["data-code"]: s for s in page.select("section.geography")}
    checked = 0
    for code, first, last, responses in periods:
        if code not in sections:
            continue  # not a page of the report (a commune outside the programme)
        line = sections[code].select_one("p.period")
        assert line is not None, code
        assert line.get_text().startswith(
            f"Enquête menée du {long_date(first)} au {long_date(last)} "
            f"({text.integer(responses)} réponses)")
        checked += 1
    assert checked >= 3
    # A programme commune without responses has no period line (nothing to date).
    empty = [s for s in sections.values() if s.select_one("p.empty")]
    assert all(s.select_one("p.period") is None for s in empty)
