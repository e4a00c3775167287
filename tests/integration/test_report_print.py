"""The report on paper: pages of the end-to-end fixture's report printed to PDF with headless
Chromium as a manager's browser prints them (A4, no menu, every chart whole at the paper's
width, a commune's factsheet on at most two pages), and the factsheet's tables checked
against the published marts."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path

import duckdb
import pytest
from bs4 import Tag
from pypdf import PdfReader

from citizen_metrics.publish.report import build_report
from citizen_metrics.tables.marts import MART_EQUITY_GAPS, MART_SURVEY_INDICATORS
from tests.integration.test_report import report_of
from tools.screenshots import find_chromium, print_to_pdf

A = "050910101"  # Béni Mellal, 12 responses in the fixture
PROVINCE = "05091"  # Béni Mellal, A's province
REGION = "05"
NO_DATA = "050810101"  # Azilal, a programme commune without any file in the fixture
A4_POINTS = (595.28, 841.89)  # 210 × 297 mm

needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="Chromium not found (apt-get install -y chromium): the report cannot be printed")


def plain(text: str) -> str:
    """Text as compared: ligatures and narrow spaces (NFKC), one space between words."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


class Printed:
    """One page of the report printed to PDF, with the HTML it was printed from."""

    def __init__(self, root: Path, code: str, target: Path) -> None:
        report = root / "marts" / "report" / "rapport.html"
        print_to_pdf(f"{report.resolve().as_uri()}#g-{code}", target)
        self.pages = PdfReader(target).pages
        self.text = [plain(p.extract_text()) for p in self.pages]
        self.html = report_of(root)
        self.section: Tag = self.html.select_one(f'section[data-code="{code}"]')

    @property
    def all_text(self) -> str:
        return " ".join(self.text)

    def printed_specs(self) -> list[dict]:
        """The figures of the page its print stylesheet prints (not `screen-only`)."""
        return [json.loads(self.html.select_one(f'script[id="{plot["data-spec"]}"]').string)
                for plot in self.section.select(".chart:not(.screen-only) .plot")]


# Commune A's published figures set by hand on a copy of the fixture's database (where the
# fixture, with 12 respondents, publishes none): its factsheet's rankings worked out below.
SERVICE_SHARES = {"sat_etat_civil": 0.9, "sat_legalisation": 0.2, "sat_urbanisme": 0.5,
                  "sat_dechets": 0.2, "sat_eclairage": 0.1}
GAPS = [  # indicator, dimension, gap, interval, significant
    ("sat_etat_civil", "sex", -0.30, -0.62, 0.05, False),
    ("sat_legalisation", "residence", 0.12, 0.02, 0.22, True),
    ("trust_council", "age_group", -0.15, -0.25, -0.05, True),
    ("sat_overall", "disability", 0.05, -0.20, 0.30, False),
    ("sat_dechets", "sex", 0.40, -0.05, 0.70, False),
    ("sat_eclairage", "sex", 0.02, -0.30, 0.30, False),
]


@pytest.fixture(scope="module")
def ranked(e2e_run, tmp_path_factory) -> Path:
    """The fixture's report, published again from a database where commune A has the
    figures above; its road service (`sat_voirie`, primary) and one gap stay suppressed,
    with values a ranking must never use."""
    root = tmp_path_factory.mktemp("ranked")
    database = root / "citizen_metrics.duckdb"
    shutil.copyfile(e2e_run[0] / "marts" / "citizen_metrics.duckdb", database)
    with duckdb.connect(str(database)) as con:
        con.executemany(
            f"update {MART_SURVEY_INDICATORS.name} set suppressed = false, suppression = null,"
            " satisfied_share = $share, ci_low = $share - 0.05, ci_high = $share + 0.05,"
            " n_rated = 40 where geography_code = $code and breakdown = 'total'"
            " and estimate_type = 'unweighted' and indicator = $indicator",
            [{"code": A, "indicator": k, "share": v} for k, v in SERVICE_SHARES.items()])
        con.execute(
            f"update {MART_SURVEY_INDICATORS.name} set satisfied_share = 0.01 where"
            " geography_code = $code and breakdown = 'total' and indicator = 'sat_voirie'",
            {"code": A})
        con.executemany(
            f"update {MART_EQUITY_GAPS.name} set suppressed = false, gap = $gap, ci_low = $low,"
            " ci_high = $high, significant = $significant, n_a = 20, n_b = 20,"
            " share_a = 0.5 + $gap / 2, share_b = 0.5 - $gap / 2"
            " where geography_code = $code and indicator = $indicator and dimension = $dimension",
            [{"code": A, "indicator": i, "dimension": d, "gap": g, "low": lo, "high": hi,
              "significant": sig} for i, d, g, lo, hi, sig in GAPS])
        con.execute(
            f"update {MART_EQUITY_GAPS.name} set gap = 0.9, significant = true where"
            " geography_code = $code and indicator = 'sat_urbanisme' and dimension = 'sex'",
            {"code": A})
    build_report(database, root / "marts" / "report" / "rapport.html")
    return root


@pytest.fixture(scope="module")
def printed(e2e_run, ranked, tmp_path_factory) -> dict[str, Printed]:
    if find_chromium() is None:
        pytest.skip("Chromium not found (apt-get install -y chromium)")
    folder = tmp_path_factory.mktemp("printed")
    report = e2e_run[0]
    return {
        "region": Printed(report, REGION, folder / "region.pdf"),
        "province": Printed(report, PROVINCE, folder / "province.pdf"),
        "commune": Printed(report, A, folder / "commune.pdf"),
        # the fullest factsheet: three services ranked, five gaps, a heatmap with values
        "commune, ranked": Printed(ranked, A, folder / "commune-ranked.pdf"),
        "commune without data": Printed(report, NO_DATA, folder / "no-data.pdf"),
    }


@needs_chromium
def test_every_page_prints_on_a4(printed) -> None:
    for name, pdf in printed.items():
        for number, page in enumerate(pdf.pages, start=1):
            size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
            assert size == pytest.approx(A4_POINTS, abs=1.5), (name, number, size)


@needs_chromium
def test_the_page_title_is_on_the_first_page(printed) -> None:
    for name, pdf in printed.items():
        heading = pdf.section.find("h2")
        french = plain(heading.find(string=True, recursive=False))  # without the Arabic
        assert french.startswith(("Région ", "Province ", "Commune ")), french
        assert french in pdf.text[0], name


@needs_chromium
def test_no_menu_on_paper(printed) -> None:
    # An entry of the menu the page does not mention itself (another province's commune,
    # "Comment lire ce rapport") must not be printed.
    for name, pdf in printed.items():
        entries = {plain(link.find(string=True, recursive=False))
                   for link in pdf.html.select("nav a")}
        own = plain(" ".join([pdf.html.select_one("header").get_text(" "),
                              pdf.section.get_text(" ")]
                             + [json.dumps(s, ensure_ascii=False) for s in pdf.printed_specs()]))
        menu_only = {entry for entry in entries if entry not in own}
        # (the region's and a province's pages name their communes in their rankings)
        assert "Comment lire ce rapport" in menu_only and len(menu_only) >= 5, name
        assert not [e for e in menu_only if e in pdf.all_text], name


@needs_chromium
def test_charts_print_whole_at_the_paper_width(printed) -> None:
    # A chart drawn wider than the paper is cut at its edge, and the words beyond it are
    # not in the PDF: each printed chart's title and every line of its source (bottom left,
    # as wide as the chart allows) must be there whole.
    colour_bars = 0
    for name, pdf in printed.items():
        specs = pdf.printed_specs()
        # A commune's factsheet prints its heatmap only; the region's and a province's pages
        # print their charts, the other questions and the communes side by side as well.
        if name.startswith("commune"):
            assert len(specs) == (0 if name == "commune without data" else 1), name
        else:
            assert len(specs) >= 4, name
        for spec in specs:
            title = plain(re.sub("<[^>]+>", "", spec["layout"]["title"]["text"]))
            assert title in pdf.all_text, (name, title)
            for line in spec["layout"]["annotations"][0]["text"].split("<br>"):
                assert plain(line) in pdf.all_text, (name, line)
            heatmap = spec["data"][0]
            if heatmap["type"] == "heatmap" and any(v is not None for row in heatmap["z"]
                                                    for v in row):
                assert "Satisfaits (%)" in pdf.all_text, name  # the colour bar's title
                colour_bars += 1
    assert colour_bars >= 1  # the ranked commune's heatmap has values, hence its scale


@needs_chromium
def test_wide_charts_print_on_landscape_pages(printed) -> None:
    # The region: headline figures and provinces (portrait), the heatmap and the gaps on
    # a landscape page each, participation against targets (portrait).
    # The other questions' charts (a column per group too) are on landscape pages after them.
    region = printed["region"]
    orientations = ["landscape" if p.mediabox.width > p.mediabox.height else "portrait"
                    for p in region.pages]

    def page_of(title: str) -> int:
        return next(i for i, page in enumerate(region.text) if title in page)

    assert orientations[0] == "portrait"
    heatmap = page_of("Satisfaction par service et par groupe — Région")
    gaps = page_of("Écarts de satisfaction entre groupes — Région")
    targets = page_of("Participation aux ateliers et cibles — Région")
    assert 0 < heatmap < gaps < targets
    assert orientations[heatmap] == orientations[gaps] == "landscape"
    assert orientations[targets] == "portrait"
    assert orientations[-1] == "landscape"


@needs_chromium
def test_a_commune_prints_as_a_factsheet_of_two_pages(printed) -> None:
    for name in ("commune", "commune, ranked"):
        pdf = printed[name]
        assert len(pdf.pages) <= 2, name
        first = pdf.text[0]
        for heading in ("Chiffres clés", "Part des femmes", "cible 30 %",
                        "Services les moins bien notés", "Écarts entre groupes les plus marqués"):
            assert heading in first, (name, heading)
        # the gaps and targets charts stay on screen: the factsheet's tables say it
        assert "Écarts de satisfaction entre groupes —" not in pdf.all_text
        assert "Participation aux ateliers et cibles —" not in pdf.all_text
    assert len(printed["commune without data"].pages) == 1
    assert "Aucune donnée publiée" in printed["commune without data"].text[0]


def _factsheet(root: Path, code: str) -> dict[str, list[list[str]]]:
    """The rows of each table of a commune's factsheet, by heading ([] when it has none)."""
    section = report_of(root).select_one(f'section[data-code="{code}"]')
    tables = {}
    for heading in section.select(".factsheet h3"):
        table = heading.find_next_sibling()
        tables[heading.get_text()] = [] if table.name != "table" else [
            [plain(td.get_text()) for td in tr.select("td")] for tr in table.select("tbody tr")]
    return tables


def test_the_factsheet_ranks_published_figures_only(ranked) -> None:
    factsheet = _factsheet(ranked, A)
    # The three lowest of the five published shares; at 20 % each, legalisation comes
    # before waste collection (the services' order). Roads (1 %, but suppressed) are not
    # ranked.
    assert factsheet["Services les moins bien notés"] == [
        ["Éclairage public", "10 %", "5 % à 15 %", "40"],
        ["Légalisation des signatures et copies conformes", "20 %", "15 % à 25 %", "40"],
        ["Collecte des déchets ménagers", "20 %", "15 % à 25 %", "40"],
    ]
    # Significant gaps first (trust 15 points, legalisation 12), then the widest of the
    # others (40, 30, 5); the sixth published (2 points) is left out, and the suppressed
    # one (90 points, "significant") is not ranked.
    assert factsheet["Écarts entre groupes les plus marqués"] == [
        ["Confiance dans le conseil communal",
         "Jeunes (15–29 ans) − Adultes et aînés (30 ans et plus)", "−15,0 pts",
         "−25,0 pts à −5,0 pts", "oui"],
        ["Légalisation des signatures et copies conformes", "Rural − Urbain", "+12,0 pts",
         "+2,0 pts à +22,0 pts", "oui"],
        ["Collecte des déchets ménagers", "Femme − Homme", "+40,0 pts", "−5,0 pts à +70,0 pts",
         "non"],
        ["État civil", "Femme − Homme", "−30,0 pts", "−62,0 pts à +5,0 pts", "non"],
        ["Satisfaction globale", "En situation de handicap − Sans handicap", "+5,0 pts",
         "−20,0 pts à +30,0 pts", "non"],
    ]
    notes = plain(report_of(ranked).select_one(f'section[data-code="{A}"] .factsheet')
                  .get_text(" "))
    assert "parmi les 5 services sur 12 dont la satisfaction est publiée" in notes
    assert "5 des 6 écarts publiés" in notes


def test_a_factsheet_without_published_figures_says_so(e2e_run, marts) -> None:
    # The fixture publishes no service total and no gap of Béni Mellal (12 respondents):
    # nothing to rank, and the factsheet says so rather than ranking masked figures.
    published = marts.execute(
        f"select (select count(*) from {MART_SURVEY_INDICATORS.name} where geography_code ="
        " $code and breakdown = 'total' and not suppressed and satisfied_share is not null),"
        f" (select count(*) from {MART_EQUITY_GAPS.name} where geography_code = $code"
        " and not suppressed and gap is not null)", {"code": A}).fetchone()
    assert published == (0, 0)
    factsheet = _factsheet(e2e_run[0], A)
    assert factsheet == {"Services les moins bien notés": [],
                         "Écarts entre groupes les plus marqués": []}
    notes = plain(report_of(e2e_run[0]).select_one(f'section[data-code="{A}"] .factsheet')
                  .get_text(" "))
    assert "Aucune satisfaction par service n'est publiée" in notes
    assert "Aucun écart entre groupes n'est publié" in notes
    # a commune without any data has no factsheet, only its notice
    assert not report_of(e2e_run[0]).select(f'section[data-code="{NO_DATA}"] .factsheet')


@needs_chromium
def test_the_period_prints_on_the_first_page(printed) -> None:
    # When the survey ran (mart_fieldwork, under the page's title) is on the first printed
    # page of every page that has responses; a commune without any has no period.
    for name, pdf in printed.items():
        line = pdf.section.select_one("p.period")
        if name == "commune without data":
            assert line is None
            continue
        assert line is not None, name
        # its first words (the sentence may wrap on paper): "Enquête menée du … au …"
        assert plain(line.get_text()).split(" (")[0] in pdf.text[0], name
