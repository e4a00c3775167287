"""The analysts' notebooks run top to bottom on the fixture marts (threshold 4, so some
figures are published and some withheld), and show what the marts hold: the tests read
the figures and tables out of the executed notebooks, as an analyst would see them. A
withheld figure reads "masqué" (never 0, never blank), and the exported HTML needs no
network."""

from __future__ import annotations

import base64
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from nbclient.exceptions import CellExecutionError

from citizen_metrics.publish.dictionary import TABLES_FR
from citizen_metrics.publish.notebooks import (
    NOTEBOOKS_DIR,
    PLOTLY_MIMETYPE,
    execute,
    execute_many,
    notebook_paths,
    to_html,
)
from tests.support import external_resources

A = "050910101"
PARAMETERS = {
    "02_satisfaction_by_service_and_group.py": {"GEOGRAPHY_CODE": A},
    "03_equity_gaps.py": {"GEOGRAPHY_CODE": "05"},
}
# The breakdowns the satisfaction notebook shows: the total and each dimension alone.
SINGLE = "('total', 'sex', 'age_group', 'disability', 'residence')"


@pytest.fixture(scope="module")
def executed(e2e_run_threshold_4) -> dict[str, object]:
    paths = notebook_paths()
    notebooks = execute_many(
        [(path, PARAMETERS.get(path.name)) for path in paths],
        marts_dir=e2e_run_threshold_4 / "marts",
    )
    return {path.name: notebook for path, notebook in zip(paths, notebooks, strict=True)}


def output(notebook, contains: str, exact: bool = False) -> dict:
    """The displayed data of the first code cell whose source contains `contains` (is
    `contains`, if `exact`)."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and (cell.source.strip() == contains if exact
                                         else contains in cell.source):
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


def row(shown: pd.DataFrame, label: str, at: int = 0) -> list[str]:
    """The displayed row whose cell `at` (0: the index) reads `label`."""
    return next(list(r) for r in shown.values if r[at] == label)


def figure(data: dict) -> dict:
    return data[PLOTLY_MIMETYPE]


def values(array: list | dict) -> list:
    """A trace's array: Plotly sends NumPy arrays as typed base64 (`bdata`, with its
    `shape` when it has two dimensions); NaN (no value) as None."""
    if isinstance(array, dict) and "bdata" in array:
        decoded = np.frombuffer(base64.b64decode(array["bdata"]),
                                dtype=np.dtype(array["dtype"]))
        if "shape" in array:
            decoded = decoded.reshape([int(n) for n in array["shape"].split(",")])
        return pd.DataFrame(decoded).astype(object).where(~np.isnan(decoded), None).values \
            .tolist() if decoded.ndim == 2 else decoded.tolist()
    return list(array)


def marks(drawn: dict, word: str) -> list[tuple]:
    """Where a text trace writes `word` ("masqué", "—"): its (y, x) places."""
    return [(y, x) for trace in drawn["data"]
            if trace.get("mode") == "text" and word in values(trace.get("text", []))
            for y, x in zip(values(trace["y"]), values(trace["x"]), strict=True)]


def french_percent(share: float) -> str:
    """0.4545 → "45,5", rounded half up on the decimal value, worked out apart from SQL."""
    exact = (Decimal(repr(share)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return str(exact).replace(".", ",")


def test_there_are_five_notebooks() -> None:
    assert [p.name for p in notebook_paths()] == sorted(
        p.name for p in NOTEBOOKS_DIR.glob("[0-9]*.py"))
    assert len(notebook_paths()) == 5


def test_tour_lists_every_table_and_draws_withheld_figures_as_masque(
        executed, marts_threshold_4) -> None:
    notebook = executed["01_tour_of_the_marts.py"]
    shown = table(output(notebook, "union all"))
    assert list(shown.values[0][1:]) == ["table", "lignes", "famille"]
    listed = {r[1]: int(r[2]) for r in shown.values[1:]}
    assert listed.keys() == TABLES_FR.keys()  # every table published, and only those
    assert listed == {name: marts_threshold_4.execute(f"select count(*) from {name}")
                      .fetchone()[0] for name in TABLES_FR}

    rows = marts_threshold_4.execute(
        "select l.short_fr, m.satisfied_share, m.suppressed from mart_survey_indicators m "
        "join label_indicators l using (indicator) where m.geography_level = 'region' "
        "and m.breakdown = 'total' and m.estimate_type = 'weighted'").fetchall()
    withheld = {service for service, _, suppressed in rows if suppressed}
    unrated = {service for service, share, suppressed in rows
               if share is None and not suppressed}
    published = {service: share for service, share, _ in rows if share is not None}
    # the fixture has all three cases at region level
    assert withheld == {"Satisfaction globale", "Voirie et pistes communales"}
    assert published.keys() == {"Confiance dans le conseil communal"} and unrated

    chart = figure(output(notebook, "add_bar"))
    bars = chart["data"][0]
    drawn = dict(zip(values(bars["y"]), values(bars["x"]), strict=True))
    assert drawn.keys() == {service for service, *_ in rows}
    for service, value in drawn.items():
        if service in published:
            assert value == pytest.approx(published[service] * 100)
        else:  # withheld or nobody rated: no bar (NaN), never a bar of 0
            assert np.isnan(value)
    assert {y for y, x in marks(chart, "masqué")} == withheld
    assert all(x == 0 for y, x in marks(chart, "masqué"))  # written where the bar starts
    assert {y for y, _ in marks(chart, "aucune note")} == unrated

    listing = table(output(notebook, "as \"Part de satisfaits\""))
    for service in withheld:
        assert row(listing, service, at=1)[2] == "masqué"
    for service in unrated:
        assert row(listing, service, at=1)[2] == "aucune note"
    trust = row(listing, "Confiance dans le conseil communal", at=1)
    assert trust[2] == "46,0 %"  # 0.46, weighted, as published
    assert trust[5] == ""  # no reason: published


def test_satisfaction_notebook_draws_the_chosen_commune(executed, marts_threshold_4) -> None:
    notebook = executed["02_satisfaction_by_service_and_group.py"]
    chart = figure(output(notebook, "add_heatmap"))
    heatmap = chart["data"][0]
    assert "Béni Mellal" in chart["layout"]["title"]["text"]
    rows = marts_threshold_4.execute(
        f"""
        select l.short_fr, g.label_fr, m.satisfied_share, m.suppressed
        from mart_survey_indicators m join label_indicators l using (indicator)
        join label_groups g using (breakdown, group_key)
        where m.geography_code = ? and m.estimate_type = 'unweighted'
          and m.breakdown in {SINGLE} and m.group_key <> 'unknown'
        """, [A]).fetchall()
    y, x = values(heatmap["y"]), values(heatmap["x"])
    withheld = {(indicator, group) for indicator, group, _, suppressed in rows if suppressed}
    assert withheld  # the fixture withholds some of Béni Mellal's figures
    for indicator, group, share, suppressed in rows:
        value = values(heatmap["z"])[y.index(indicator)][x.index(group)]
        if suppressed or share is None:  # withheld, or nobody in the group gave a score
            assert value is None
        else:
            assert value == pytest.approx(share * 100)
    assert set(marks(chart, "masqué")) == withheld
    assert not set(marks(chart, "—")) & withheld

    shown = table(output(notebook, 'grid("shown")', exact=True))
    header = list(shown.values[0])
    assert header[0] == "Groupe" and "Jeunes (15–29 ans)" in header
    assert len(shown) - 2 == 14  # two header rows, then one row per indicator
    for indicator, group, share, suppressed in rows:
        cell = row(shown, indicator)[header.index(group)]
        assert cell == ("masqué" if suppressed else "—" if share is None
                        else french_percent(share))
    # by hand: 5 of Béni Mellal's 11 trust scores are 4 or 5 (4 3 2 3 1 5 4 2 4 3 5)
    assert row(shown, "Confiance dans le conseil communal")[1] == "45,5"
    # withheld to protect Ait Bou Oulli (3 scores)
    assert row(shown, "Satisfaction globale")[1] == "masqué"
    counts = table(output(notebook, 'grid("n_rated")', exact=True))
    assert row(counts, "Satisfaction globale")[1] == "11"  # counts stay published


def test_satisfaction_notebook_refuses_an_unknown_geography(e2e_run_threshold_4) -> None:
    with pytest.raises(CellExecutionError, match="n'est le code d'aucun territoire"):
        execute(NOTEBOOKS_DIR / "02_satisfaction_by_service_and_group.py",
                {"GEOGRAPHY_CODE": "99999"}, marts_dir=e2e_run_threshold_4 / "marts")


def test_equity_notebook_lists_every_significant_gap(executed, marts_threshold_4) -> None:
    notebook = executed["03_equity_gaps.py"]
    shown = table(output(notebook, "where m.significant"))
    assert list(shown.values[0][1:4]) == ["Territoire", "Service", "Comparaison"]
    expected = marts_threshold_4.execute(
        "select count(*) from mart_equity_gaps where significant "
        "and geography_level in ('region', 'province')").fetchone()[0]
    assert len(shown) - 1 == expected
    counts = table(output(notebook, "count(*) filter (m.suppressed)"))
    totals = marts_threshold_4.execute(
        "select count(*), count(*) filter (suppressed), count(*) filter (significant) "
        "from mart_equity_gaps").fetchone()
    assert tuple(counts[i].iloc[1:].astype(int).sum() for i in (3, 4, 5)) == totals

    rows = marts_threshold_4.execute(
        "select i.short_fr, m.dimension, m.gap, m.suppressed from mart_equity_gaps m "
        "join label_indicators i using (indicator) "
        "where m.geography_level = 'region'").fetchall()
    withheld = [(service, dimension) for service, dimension, _, hidden in rows if hidden]
    dots = figure(output(notebook, "figure = make_subplots("))
    assert len(marks(dots, "masqué")) == len(withheld)
    published = [gap * 100 for _, _, gap, hidden in rows if not hidden]
    assert sorted(x for trace in dots["data"] if trace.get("mode") == "markers"
                  for x in values(trace["x"])) == pytest.approx(sorted(published))
    listing = table(output(notebook, "when gap is null then '—'"))
    assert list(listing[3].iloc[1:]).count("masqué") == len(withheld)
    # by hand, women − men in the region for trust: published, not significant
    women = next(r for r in listing.values[1:]
                 if r[1] == "Confiance dans le conseil communal" and r[2] == "Femme − Homme")
    gap = next(g for s, d, g, _ in rows
               if s == "Confiance dans le conseil communal" and d == "sex")
    assert women[3] == "−" + french_percent(-gap) and women[5] == "non"


def test_participation_notebook_shows_each_programme_commune(executed,
                                                             marts_threshold_4) -> None:
    notebook = executed["04_participation_and_targets.py"]
    shown = table(output(notebook, "communes.drop(columns="))
    assert list(shown.values[0][1:5]) == ["Province", "Commune", "Ateliers", "Présences"]
    expected = marts_threshold_4.execute(
        "select g.name_fr, p.attendances, p.share_women, p.suppressed "
        "or list_contains(string_split(coalesce(p.withheld_shares, ''), ','), 'share_women') "
        "from mart_participation p join label_geographies g "
        "using (geography_level, geography_code) where p.geography_level = 'commune' "
        "and p.breakdown = 'total' and g.in_programme order by g.sort_order").fetchall()
    body = shown.values[1:]
    assert [r[2] for r in body] == [name for name, *_ in expected]
    for r, (_, attendances, women, withheld) in zip(body, expected, strict=True):
        assert r[4] == ("masqué" if attendances is None else str(attendances))
        assert r[5] == ("masqué" if withheld else french_percent(women))
    drawn = figure(output(notebook, "px.bar"))
    bars = [x for trace in drawn["data"] if trace["type"] == "bar"
            for x in values(trace["x"])]
    assert len(bars) == len(expected)  # every commune has its place
    assert sorted(x for x in bars if not np.isnan(x)) == pytest.approx(
        sorted(women * 100 for _, _, women, withheld in expected if not withheld))
    assert {y for y, _ in marks(drawn, "masqué")} == {
        name for name, *_, withheld in expected if withheld}
    targets = table(output(notebook, "from mart_targets t"))
    assert "30,0 %" in set(targets[3])  # the women's target, as a French percentage


def test_quality_notebook_counts_quarantine_by_rule(executed, marts_threshold_4) -> None:
    notebook = executed["05_data_quality.py"]
    pivot = table(output(notebook, "by_rule.pivot_table"))
    totals = {r[0]: int(float(r[-1])) for r in pivot.values[2:] if r[0] != "Total"}
    expected = dict(marts_threshold_4.execute(
        "select coalesce(l.label_fr, q.rule), "
        "count(distinct (q.source_file, q.sheet, q.source_row)) from quality_quarantine q "
        "left join label_codes l on l.code_list = 'quarantine_rule' and l.code = q.rule "
        "group by all").fetchall())
    assert totals == expected
    files = table(output(notebook, "from quality_file_summary"))
    assert list(files.values[0][1:5]) == ["Fichier", "Feuille", "Type", "Statut"]
    assert len(files) - 1 == marts_threshold_4.execute(
        "select count(*) from quality_file_summary").fetchone()[0]
    assert set(files[4].iloc[1:]) <= {"Chargé", "Rejeté"}


def test_exported_html_is_french_and_works_offline(executed) -> None:
    for name, notebook in executed.items():
        html = to_html(notebook)
        assert external_resources(html) == [], name
        soup = BeautifulSoup(html, "html.parser")
        assert soup.html["lang"] == "fr"
        figures = sum(PLOTLY_MIMETYPE in output.get("data", {}) for cell in notebook.cells
                      for output in cell.get("outputs", []))
        assert figures >= 1, name
        # drawn by the page itself, with the library it carries once
        assert html.count("Plotly.newPlot(") == figures, name
        assert html.count("plotly.js v") == 1, name
    page = to_html(executed["02_satisfaction_by_service_and_group.py"])
    assert "<title>Satisfaction par service et par groupe" in page
