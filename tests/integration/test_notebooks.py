"""The analysts' notebooks run top to bottom on the fixture marts (threshold 4, so some
figures are published and some withheld), and show what the marts hold: the tests read
the figures and tables out of the executed notebooks, as an analyst would see them."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from citizen_metrics.publish.dictionary import TABLES_FR
from citizen_metrics.publish.notebooks import NOTEBOOKS_DIR, execute_many, notebook_paths, to_html

A = "050910101"
PARAMETERS = {
    "02_satisfaction_by_service_and_group.py": {"GEOGRAPHY_CODE": A},
    "03_equity_gaps.py": {"GEOGRAPHY_CODE": "05"},
}


@pytest.fixture(scope="module")
def executed(e2e_run_threshold_4) -> dict[str, object]:
    paths = notebook_paths()
    notebooks = execute_many(
        [(path, PARAMETERS.get(path.name)) for path in paths],
        marts_dir=e2e_run_threshold_4 / "marts",
    )
    return {path.name: notebook for path, notebook in zip(paths, notebooks, strict=True)}


def output(notebook, contains: str) -> dict:
    """The displayed data of the first code cell whose source contains `contains`."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and contains in cell.source:
            shown = [o for o in cell.outputs if o.output_type in ("execute_result",
                                                                  "display_data")]
            assert shown, f"cell {contains!r} shows nothing"
            return shown[-1]["data"]
    raise AssertionError(f"no cell containing {contains!r}")


def table(data: dict) -> pd.DataFrame:
    """A displayed DataFrame, read back from its HTML (as it appears to the reader)."""
    soup = BeautifulSoup(data["text/html"], "html.parser")
    rows = [[cell.get_text() for cell in row.find_all(["th", "td"])]
            for row in soup.find("table").find_all("tr")]
    return pd.DataFrame(rows)


def figure(data: dict) -> dict:
    return data["application/vnd.plotly.v1+json"]


def values(array: list | dict) -> list:
    """A trace's array: Plotly sends NumPy arrays as typed base64 (`bdata`)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]),
                             dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


def test_there_are_five_notebooks() -> None:
    assert [p.name for p in notebook_paths()] == sorted(
        p.name for p in NOTEBOOKS_DIR.glob("[0-9]*.py"))
    assert len(notebook_paths()) == 5


def test_tour_lists_every_table_and_the_region_chart(executed, marts_threshold_4) -> None:
    notebook = executed["01_tour_of_the_marts.py"]
    shown = table(output(notebook, "union all"))
    listed = {row[1]: int(row[2]) for row in shown.values[1:]}
    assert listed == {name: marts_threshold_4.execute(f"select count(*) from {name}")
                      .fetchone()[0] for name in TABLES_FR}
    bars = figure(output(notebook, "px.bar"))["data"][0]
    expected = dict(marts_threshold_4.execute(
        "select l.short_fr, m.satisfied_share from mart_survey_indicators m "
        "join label_indicators l using (indicator) where m.geography_level = 'region' "
        "and m.breakdown = 'total' and m.estimate_type = 'weighted'").fetchall())
    drawn = dict(zip(values(bars["y"]), values(bars["x"]), strict=True))
    assert drawn.keys() == expected.keys()
    for service, share in expected.items():
        if share is None:  # withheld: not drawn as a bar (NaN), never as 0
            assert np.isnan(drawn[service])
        else:
            assert drawn[service] == pytest.approx(share)


def test_satisfaction_notebook_draws_the_chosen_commune(executed, marts_threshold_4) -> None:
    notebook = executed["02_satisfaction_by_service_and_group.py"]
    heatmap = figure(output(notebook, "figures.satisfaction_heatmap"))["data"][0]
    assert "Béni Mellal" in figure(output(notebook, "figures.satisfaction_heatmap"))[
        "layout"]["title"]["text"]
    rows = marts_threshold_4.execute(
        """
        select l.short_fr, g.label_fr, m.satisfied_share, m.suppressed
        from mart_survey_indicators m join label_indicators l using (indicator)
        join label_groups g using (breakdown, group_key)
        where m.geography_code = ? and m.estimate_type = 'unweighted'
          and m.breakdown in ('total', 'sex', 'age_group', 'disability', 'residence')
          and m.group_key <> 'unknown'
        """, [A]).fetchall()
    y = [label.replace("<br>", " ") for label in heatmap["y"]]
    x = [label.replace("<br>", " ") for label in heatmap["x"][1]]
    for indicator, group, share, suppressed in rows:
        value = heatmap["z"][y.index(indicator)][x.index(group)]
        # withheld, or nobody in the group gave a score: no colour
        if suppressed or share is None:
            assert value is None
        else:
            assert value == pytest.approx(share * 100, abs=0.05 + 1e-9)
    shown = table(output(notebook, "pivot_table(\n    index=\"indicator_fr\", columns=\"group_fr\","
                                   " values=\"shown\""))
    assert len(shown) - 2 == 14  # two header rows, then one row per indicator
    trust = next(row for row in shown.values if row[0] == "Confiance dans le conseil communal")
    assert trust[1] == "45.5"  # 5 of 11 scores are 4 or 5 (4 3 2 3 1 5 4 2 4 3 5)
    overall = next(row for row in shown.values if row[0] == "Satisfaction globale")
    assert overall[1] == "masqué"  # withheld to protect Ait Bou Oulli (3 scores)


def test_equity_notebook_lists_every_significant_gap(executed, marts_threshold_4) -> None:
    notebook = executed["03_equity_gaps.py"]
    shown = table(output(notebook, "where m.significant"))
    expected = marts_threshold_4.execute(
        "select count(*) from mart_equity_gaps where significant "
        "and geography_level in ('region', 'province')").fetchone()[0]
    assert len(shown) - 1 == expected
    counts = table(output(notebook, "count(*) filter (suppressed) as withheld"))
    totals = marts_threshold_4.execute(
        "select count(*), count(*) filter (suppressed) from mart_equity_gaps").fetchone()
    assert (counts[3].iloc[1:].astype(int).sum(), counts[4].iloc[1:].astype(int).sum()) == totals
    dots = figure(output(notebook, "figures.equity_dots"))
    masked = sum(len(t["x"]) for t in dots["data"] if t.get("mode") == "text"
                 and t["text"] and t["text"][0] == "masqué")
    region_withheld = marts_threshold_4.execute(
        "select count(*) from mart_equity_gaps where geography_level = 'region' "
        "and suppressed").fetchone()[0]
    assert masked == region_withheld


def test_participation_notebook_shows_each_programme_commune(executed,
                                                             marts_threshold_4) -> None:
    notebook = executed["04_participation_and_targets.py"]
    shown = table(output(notebook, "shown.drop(columns="))
    expected = marts_threshold_4.execute(
        "select g.name_fr, p.attendances, p.share_women, p.suppressed "
        "or list_contains(string_split(coalesce(p.withheld_shares, ''), ','), 'share_women') "
        "from mart_participation p join label_geographies g "
        "using (geography_level, geography_code) where p.geography_level = 'commune' "
        "and p.breakdown = 'total' and g.in_programme order by g.sort_order").fetchall()
    body = shown.values[1:]
    assert [row[2] for row in body] == [name for name, *_ in expected]
    for row, (_, attendances, women, withheld) in zip(body, expected, strict=True):
        assert row[4] == ("masqué" if attendances is None else str(attendances))
        if withheld:
            assert row[5] == "masqué"
        else:
            assert float(row[5]) == pytest.approx(women * 100, abs=0.05 + 1e-9)
    drawn = figure(output(notebook, "px.bar"))["data"]
    assert sum(len(values(trace["y"])) for trace in drawn) == sum(
        not withheld for *_, withheld in expected)


def test_quality_notebook_counts_quarantine_by_rule(executed, marts_threshold_4) -> None:
    notebook = executed["05_data_quality.py"]
    pivot = table(output(notebook, "by_rule.pivot_table"))
    totals = {row[0]: int(float(row[-1])) for row in pivot.values[2:] if row[0] != "total"}
    expected = dict(marts_threshold_4.execute(
        "select coalesce(l.label_fr, q.rule), "
        "count(distinct (q.source_file, q.sheet, q.source_row)) from quality_quarantine q "
        "left join label_codes l on l.code_list = 'quarantine_rule' and l.code = q.rule "
        "group by all").fetchall())
    assert totals == expected
    files = table(output(notebook, "from quality_file_summary"))
    assert len(files) - 1 == marts_threshold_4.execute(
        "select count(*) from quality_file_summary").fetchone()[0]


def test_exported_html_draws_the_figures(executed) -> None:
    html = to_html(executed["02_satisfaction_by_service_and_group.py"])
    assert "Plotly.newPlot(" in html  # drawn by the page itself, not only stored as JSON
    assert "plotly.js v" in html  # the library travels with the page (offline)
