"""The report's sections added for issue 20 on small frames written by hand: the communes
side by side, the charts of the survey's other questions, the quality page's problems."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from citizen_metrics.publish.report import quality, questions, ranking

NAN = math.nan


def ranking_rows(parent_share: float | None, parent_suppressed: bool = False) -> pd.DataFrame:
    """Five communes in display order: three published (above, level with and below the
    parent's 50 %), one withheld, one without any figure."""
    rows = pd.DataFrame([
        ("1. Alpha", 0.70, 0.60, 0.80, 120, False, None, False),
        ("2. Beta", 0.45, 0.30, 0.60, 40, False, None, False),
        ("3. Gamma", 0.20, 0.10, 0.30, 60, False, None, False),
        ("Delta", NAN, NAN, NAN, 6, True, "masqué (n < 10)", False),
        ("Epsilon", NAN, NAN, NAN, None, False, None, True),
    ], columns=["label", "share", "ci_low", "ci_high", "n", "suppressed", "withheld_fr",
                "missing"])
    return rows.assign(parent_share=parent_share, parent_suppressed=parent_suppressed,
                       choice_long_fr="État civil")


def traces_by_name(spec: dict) -> dict[str, dict]:
    return {trace["name"]: trace for trace in spec["data"]}


def test_a_ranking_places_each_commune_against_the_parent() -> None:
    spec = ranking.ranking_chart(ranking_rows(0.5), "t", "s", "Source : x",
                                 parent_label="Province Khouribga")
    traces = traces_by_name(spec)
    below = traces["Intervalle entièrement sous le chiffre de référence"]
    above = traces["Intervalle entièrement au-dessus du chiffre de référence"]
    level = traces["Intervalle qui contient le chiffre de référence, ou sans intervalle"]
    assert (above["y"], level["y"], below["y"]) == (["1. Alpha"], ["2. Beta"], ["3. Gamma"])
    assert below["x"] == [20.0] and below["marker"]["color"] == ranking.BELOW
    # error bars in points: 0.30 − 0.20 above, 0.20 − 0.10 below
    assert below["error_x"]["array"] == [10.0] and below["error_x"]["arrayminus"] == [10.0]
    assert traces["suppressed"]["y"] == ["Delta"]
    assert traces["suppressed"]["text"] == ["masqué (n < 10)"]
    assert traces["missing"]["text"] == ["— aucun chiffre"]
    # the withheld commune is no point: no zero drawn for it
    assert "Delta" not in [y for t in (above, level, below) for y in t["y"]]
    assert spec["layout"]["yaxis"]["categoryarray"] == [
        "1. Alpha", "2. Beta", "3. Gamma", "Delta", "Epsilon"]
    line = spec["layout"]["shapes"][0]
    assert line["x0"] == line["x1"] == 50.0
    assert spec["layout"]["annotations"][-1]["text"] == "Province Khouribga : 50\u202f%"


def test_a_ranking_without_the_parents_figure_draws_no_line() -> None:
    spec = ranking.ranking_chart(ranking_rows(None, parent_suppressed=True), "t", "s",
                                 "Source : x", parent_label="Province Azilal")
    traces = traces_by_name(spec)
    # without a reference, every published commune is "level", none orange or green
    assert traces["Intervalle qui contient le chiffre de référence, ou sans intervalle"][
        "y"] == ["1. Alpha", "2. Beta", "3. Gamma"]
    assert "shapes" not in spec["layout"]
    assert spec["layout"]["annotations"][-1]["text"] == "Province Azilal : masqué"
    assert ranking.geography_ranking(None, "province", "Azilal", "Province Azilal",
                                     "masqué (n < 10)", "07/12/2026") == []


def question_cells() -> pd.DataFrame:
    """Two options of a multi-select question × two groups: one withheld, one group
    without any answer."""
    rows = [
        # option, label, rank, group, group label, share, low, high, n, suppressed, missing
        ("radio", "Radio", 2, "total", "all", "Ensemble", 0.333, 0.20, 0.50, 30, False, False),
        ("radio", "Radio", 2, "sex", "female", "Femme", NAN, NAN, NAN, 8, True, False),
        ("tv", "Télévision", 1, "total", "all", "Ensemble", 0.5451, 0.45, 0.63, 30, False,
         False),
        ("tv", "Télévision", 1, "sex", "female", "Femme", NAN, NAN, NAN, 0, False, True),
    ]
    frame = pd.DataFrame(rows, columns=[
        "item", "item_fr", "total_rank", "breakdown", "group_key", "group_fr", "share",
        "ci_low", "ci_high", "n", "suppressed", "missing"])
    return frame.assign(
        block="info_channels", block_fr="Comment êtes-vous informé(e) ?",
        item_long_fr=frame["item_fr"], breakdown_fr=frame["breakdown"].map(
            {"total": "Ensemble", "sex": "Sexe"}),
        withheld_fr=frame["suppressed"].map({True: "masqué (n < 10)", False: None}),
        geography_code="05")


def test_a_question_chart_shows_shares_intervals_and_masks() -> None:
    prepared = questions.prepare(question_cells())
    spec = questions.share_heatmap(prepared, "t", "s", "Source : x")
    heatmap, _, withheld, empty = spec["data"]
    assert heatmap["y"] == ["2. Radio", "1. Télévision"]  # as ordered by the query
    # 0.333 → 33 % (33.3 in the colour), interval 20–50 %; 0.5451 → 55 %, 45–63 %
    assert heatmap["z"] == [[33.3, None], [54.5, None]]
    assert heatmap["text"][0][0] == "33\u202f%<br><span style='font-size:9px'>20–50\u202f%</span>"
    assert heatmap["text"][1][0].startswith("55\u202f%")
    assert "IC 95 % : 45–63\u202f%" in heatmap["customdata"][1][0]
    # the withheld cell: hatched, its reason, and no number anywhere
    assert heatmap["text"][0][1] == "" and heatmap["customdata"][0][1] == ""
    assert withheld["y"] == ["2. Radio"] and withheld["hovertext"] == ["masqué (n < 10)"]
    assert empty["y"] == ["1. Télévision"] and empty["text"] == ["—"]


def test_usage_rates_have_no_interval_and_no_rank() -> None:
    cells = question_cells().assign(block="usage", ci_low=NAN, ci_high=NAN)
    prepared = questions.prepare(cells)
    assert list(prepared["label"].unique()) == ["Radio", "Télévision"]
    assert prepared["cell_text"].iloc[0] == "33\u202f%"
    assert "IC" not in prepared["hover"].iloc[0]
    assert questions.question_figures(None, "Région", "x", "1", "masqué", "07/12/2026") == []


def test_the_quality_problems_count_tonight_and_say_who_fixes_them() -> None:
    files = pd.DataFrame({
        "status": ["loaded", "loaded", "rejected"],
        "quarantined": [3, 0, 0], "duplicate": [10, 2, 0], "superseded": [1, 0, 0],
        "excluded_no_consent": [0, 4, 0],
    })
    problems = {p.kind: p for p in quality.problems(files, flagged=7,
                                                    communes_without_data=0, masked=12)}
    assert problems["Fichier rejeté"].count == 1
    assert problems["Ligne mise en quarantaine"].count == 3
    assert problems["Doublon ou version remplacée"].count == 13
    assert problems["Réponse exclue faute de consentement"].count == 4
    assert problems["Réponse signalée comme douteuse"].count_fr == "7 réponse(s)"
    # something to do: highlighted; nothing to do, or nothing tonight: not
    assert problems["Ligne mise en quarantaine"].attention
    assert not problems["Commune du programme sans données"].attention
    assert not problems["Chiffre masqué (secret statistique)"].attention
    assert "agent de saisie" in problems["Ligne mise en quarantaine"].who
    assert "opérateur" in problems["Fichier rejeté"].who
    assert "suivi-évaluation" in problems["Chiffre masqué (secret statistique)"].who


@pytest.mark.parametrize("block", [questions.USAGE, questions.YES_NO, "priorities"])
def test_every_family_says_how_to_read_it(block: str) -> None:
    wording = questions.block_wording(block, "Quelles sont les priorités ?")
    assert wording["title"] and wording["subtitle"] and len(wording["howto"]) > 80
