"""Period and trend end to end: demo files with a 2022 baseline and a 2024 follow-up, a whole
night, and the answers a manager and an officer read back from the report, the workbook and
the French CSV, checked against an independent read of the published marts.

The committed end-to-end fixture holds a single round; here the generator's two rounds (a
small demo: 1,600 responses, survey only) carry the change it planted (women's satisfaction
with water and sanitation in four Azilal communes, `tools.demo_data.answers.ROUND_CHANGE_*`).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import openpyxl
import pytest
from bs4 import BeautifulSoup
from plotly.offline import get_plotlyjs

from citizen_metrics.publish.report import text
from tests.support import materialize_all
from tools.demo_data import generate_demo_data

AZILAL = "05081"
WATER = "sat_eau_assainissement"


@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("two_rounds")
    generate_demo_data(root / "raw", seed=5, n_responses=1600, n_workshops=0,
                       shapes=["kobo_xml"])
    materialize_all(root)
    return root


@pytest.fixture(scope="module")
def published(two_rounds: Path):
    con = duckdb.connect(str(two_rounds / "marts" / "citizen_metrics.duckdb"), read_only=True)
    yield con
    con.close()


def test_the_report_answers_whether_womens_satisfaction_rose(two_rounds, published) -> None:
    html = (two_rounds / "marts" / "report" / "rapport.html").read_text(encoding="utf-8")
    page = BeautifulSoup(html.replace(get_plotlyjs(), ""), "html.parser")
    script = page.select_one(
        f'script.figure-spec[data-geography="{AZILAL}"][data-figure="trend"]')
    assert script is not None and script.string
    spec = json.loads(script.string)
    label = published.execute(
        "select short_fr from label_indicators where indicator = ?", [WATER]).fetchone()[0]
    ticks = spec["layout"]["yaxis"]
    row = [name.replace("<br>", " ") for name in ticks["ticktext"]].index(label)
    expected = dict(published.execute("""
        select split_part(group_key, ',', 2), satisfied_share
        from mart_survey_indicators
        where geography_level = 'province' and geography_code = ? and indicator = ?
          and breakdown = 'sex,survey_round' and group_key like 'female,%'
          and estimate_type = 'unweighted' and not suppressed
    """, [AZILAL, WATER]).fetchall())
    assert set(expected) >= {"2022", "2024"}
    for survey_round in ("2022", "2024"):
        trace = next(t for t in spec["data"] if t["meta"] == {
            "breakdown": "sex", "group_key": "female", "survey_round": survey_round})
        at = [x for x, y in zip(trace["x"], trace["y"], strict=True) if round(y) == row]
        assert at == [text.rounded_percent(expected[survey_round], 1)]
    assert expected["2024"] > expected["2022"]  # the planted change shows in Azilal
    # The page says when the survey ran, each round with its days.
    azilal = page.select_one(f'section.geography[data-code="{AZILAL}"] p.period')
    assert azilal is not None
    rounds = published.execute("""
        select l.label_fr, f.n_respondents from mart_fieldwork f
        join label_groups l on l.breakdown = 'survey_round' and l.group_key = f.survey_round
        where f.geography_code = ? order by f.survey_round
    """, [AZILAL]).fetchall()
    for name, responses in rounds:
        assert f"{name} : du " in azilal.get_text()
        assert f"({text.integer(responses)} réponses)" in azilal.get_text()


def test_the_workbook_and_the_french_csv_give_the_period(two_rounds, published) -> None:
    exports = two_rounds / "marts" / "exports"
    region = published.execute("""
        select strftime(first_interview_day, '%d/%m/%Y'), strftime(last_interview_day,
               '%d/%m/%Y'), n_respondents
        from mart_fieldwork where geography_level = 'region' and survey_round = 'all'
    """).fetchone()
    book = openpyxl.load_workbook(exports / "citizen_metrics.xlsx", read_only=True)
    read_me = [r[0] for r in book["lisez-moi"].iter_rows(values_only=True) if r and r[0]]
    assert any(str(line).startswith(f"Enquête : du {region[0]} au {region[1]}")
               for line in read_me)
    rows = list(book["periode"].iter_rows(values_only=True))
    header = list(rows[0])
    first = [r for r in rows[1:] if r[header.index("Code")] == AZILAL
             and r[header.index("Vague d'enquête")] == "Toute la période"]
    assert len(first) == 1
    with (exports / "excel_fr" / "periode.csv").open(encoding="utf-8-sig", newline="") as f:
        french = list(csv.reader(f, delimiter=";"))
    codes = [r[french[0].index("Code")] for r in french[1:]]
    assert f'="{AZILAL}"' in codes
