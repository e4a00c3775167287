"""The report's other questions, its communes side by side and its quality page (issue 20,
items 2, 3 and 8): figures read back from the HTML against an independent read of the
published marts of the fixture runs, withheld figures shown "masqué", never as numbers."""

from __future__ import annotations

import math
import re
import shutil

import duckdb
import pandas as pd
import pytest

from citizen_metrics.publish.report import build_report
from tests.integration.test_report import figure_specs, report_of

PROVINCE = "05091"  # Béni Mellal: one commune with files in the fixture, 12 respondents
COMMUNE = "050910101"  # Béni Mellal
OTHER_COMMUNE = "050810305"  # Ait Bou Oulli (Azilal), 4 respondents
GROUPS = ("total", "sex", "age_group", "disability", "residence")


@pytest.fixture(scope="module")
def page(e2e_run):
    root, _ = e2e_run
    return report_of(root)


@pytest.fixture(scope="module")
def page_threshold_4(e2e_run_threshold_4):
    return report_of(e2e_run_threshold_4)


def _plain(label: str) -> str:
    return label.replace("<br>", " ")


def heatmap_cells(spec: dict) -> dict[tuple[str, str], dict]:
    """Cells by (row label, group label): z, text, hover, and the reason written on a
    withheld cell or the mark of a group without any answer."""
    heatmap, _, withheld, empty = spec["data"]
    cells = {}
    for row, item in enumerate(heatmap["y"]):
        for column, group in enumerate(heatmap["x"][1]):
            cells[(_plain(item), _plain(group))] = {
                "z": heatmap["z"][row][column], "text": heatmap["text"][row][column],
                "hover": heatmap["customdata"][row][column]}
    for group, item, reason in zip(withheld["x"][1], withheld["y"], withheld["hovertext"],
                                   strict=True):
        cells[(_plain(item), _plain(group))]["withheld_mark"] = reason
    for group, item in zip(empty["x"][1], empty["y"], strict=True):
        cells[(_plain(item), _plain(group))]["no_answer_mark"] = True
    return cells


def reasons(con) -> dict[str, str]:
    return dict(con.execute(
        "select code, label_fr from label_codes where code_list = 'suppression'").fetchall())


def test_pac_awareness_of_a_province_matches_the_marts(page_threshold_4,
                                                       marts_threshold_4) -> None:
    con = marts_threshold_4
    question_fr = con.execute(
        "select label_fr from label_questions where question = 'knows_pac'").fetchone()[0]
    published = con.execute(
        f"""
        select g.label_fr, o.share, o.ci_low, o.ci_high, o.suppressed, o.suppression
        from mart_survey_options o join label_groups g using (breakdown, group_key)
        where o.geography_code = '{PROVINCE}' and o.question = 'knows_pac'
          and o.option = 'yes' and o.estimate_type = 'weighted'
          and o.breakdown in {GROUPS} and o.group_key <> 'unknown'
        """).fetchall()
    assert len(published) == 10  # all respondents and nine groups
    cells = heatmap_cells(figure_specs(page_threshold_4)[(PROVINCE, "questions-yes_no")])
    labels = reasons(con)
    for group, share, low, high, suppressed, reason in published:
        cell = cells[(question_fr, group)]
        if suppressed:
            assert cell["z"] is None and cell["withheld_mark"] == labels[reason]
            assert cell["text"] == "" and cell["hover"] == ""
        else:
            assert cell["z"] == pytest.approx(share * 100, abs=0.05)
            assert f"{round(low * 100)}–{round(high * 100)}\u202f%" in cell["text"]
    # By hand: 6 of the province's 12 respondents (all in Béni Mellal, one commune, so the
    # weights are equal) have heard of the PAC; women and men (6 each) are withheld to
    # protect the other groups.
    total = cells[(question_fr, "Ensemble")]
    assert total["z"] == 50.0 and total["text"].startswith("50\u202f%")
    assert cells[(question_fr, "Femme")]["withheld_mark"] == "masqué (secret complémentaire)"
    # every family of questions is drawn for the region, the province and the commune
    specs = figure_specs(page_threshold_4)
    for code in ("05", PROVINCE, COMMUNE):
        assert {"questions-usage", "questions-yes_no", "questions-info_channels",
                "questions-priorities"} <= {kind for c, kind in specs if c == code}, code


def test_options_are_ranked_by_their_share_with_intervals(page_threshold_4,
                                                          marts_threshold_4) -> None:
    con = marts_threshold_4
    options = con.execute(
        f"""
        select l.label_fr, l.sort_order, o.share, o.ci_low, o.ci_high, o.suppressed
        from mart_survey_options o join label_options l using (question, option)
        where o.geography_code = '{PROVINCE}' and o.question = 'info_channels'
          and o.breakdown = 'total' and o.estimate_type = 'weighted'
        """).df()
    # published shares highest first (equal shares in the questionnaire's order), then the
    # withheld ones; the rank counts the options cited strictly more, plus one
    options["key"] = options["share"].fillna(-1)
    expected = options.sort_values(["key", "sort_order"], ascending=[False, True])
    ranks = [1 + int((options["share"] > share).sum()) if not math.isnan(share) else None
             for share in expected["share"]]
    expected_rows = [f"{rank}. {label}" if rank else label
                     for rank, label in zip(ranks, expected["label_fr"], strict=True)]
    spec = figure_specs(page_threshold_4)[(PROVINCE, "questions-info_channels")]
    assert [_plain(y) for y in spec["data"][0]["y"]] == expected_rows
    cells = heatmap_cells(spec)
    first = expected.iloc[0]
    top = cells[(expected_rows[0], "Ensemble")]
    assert top["z"] == pytest.approx(first["share"] * 100, abs=0.05)
    assert top["text"].startswith(f"{round(first['share'] * 100)}\u202f%")
    assert f"{round(first['ci_low'] * 100)}–{round(first['ci_high'] * 100)}\u202f%" in top["text"]
    # By hand: 4 of the 12 respondents of Béni Mellal cite radio or television, the most
    # cited channel (a weighted share, published to a whole point: 33 %); 3 cite social
    # media, then 2 workshops, and the five channels cited once share the fourth rank.
    assert expected_rows[:4] == ["1. Radio / télévision", "2. Réseaux sociaux",
                                 "3. Atelier ou réunion de la commune",
                                 "4. Bureau de la commune"]
    assert top["z"] == pytest.approx(33.0)


def test_withheld_figures_of_the_questions_carry_no_number(page, marts) -> None:
    # At 10, nearly everything of the fixture is withheld: every withheld cell of every
    # question chart is hatched with its reason and carries no number.
    labels = reasons(marts)
    withheld = 0
    for (code, kind), spec in figure_specs(page).items():
        if not kind.startswith("questions-"):
            continue
        for cell in heatmap_cells(spec).values():
            if "withheld_mark" in cell:
                withheld += 1
                assert cell["z"] is None and cell["text"] == "" and cell["hover"] == ""
                assert cell["withheld_mark"] in {*labels.values(), "masqué"}, code
    expected = marts.execute(
        f"""
        select count(*) filter (suppressed) from mart_survey_options o
        join label_questions q using (question)
        where (q.type = 'select all that apply' or o.option = 'yes')
          and o.breakdown in {GROUPS} and o.group_key <> 'unknown'
          and o.estimate_type = case when o.geography_level = 'commune' then 'unweighted'
                                     else 'weighted' end
          and o.geography_code in (select geography_code from label_geographies
                                   where geography_level <> 'commune' or in_programme)
        """).fetchone()[0]
    expected += marts.execute(
        f"""
        select count(*) filter (usage_suppressed) from mart_survey_indicators
        where n_use_answered is not null and breakdown in {GROUPS}
          and group_key <> 'unknown'
          and estimate_type = case when geography_level = 'commune' then 'unweighted'
                                   else 'weighted' end
        """).fetchone()[0]
    assert withheld == expected > 0


def ranking(spec: dict) -> list[tuple[str, str]]:
    """The communes of a ranking chart from top to bottom, each with its value as drawn
    (a percentage) or the mark written beside it."""
    shown = {y: f"{x:.1f}" for trace in spec["data"] if trace.get("mode") == "markers"
             for x, y in zip(trace["x"], trace["y"], strict=True)}
    marked = {y: text for trace in spec["data"] if trace.get("mode") == "text"
              for text, y in zip(trace["text"], trace["y"], strict=True)}
    assert not set(shown) & set(marked)
    return [(y, shown.get(y) or marked[y]) for y in spec["layout"]["yaxis"]["categoryarray"]]


def test_communes_of_a_province_ranked_on_an_indicator(e2e_run_threshold_4, tmp_path) -> None:
    # The fixture has one commune with files per province: two more communes of Béni Mellal
    # get trust figures in a copy of its marts, one published below it, one withheld.
    database = tmp_path / "citizen_metrics.duckdb"
    shutil.copyfile(e2e_run_threshold_4 / "marts" / "citizen_metrics.duckdb", database)
    with duckdb.connect(str(database)) as con:
        for code, name, share, suppressed in (("050910301", "Foum Oudi", 0.3, False),
                                              ("050911107", "Semguet", None, True)):
            con.execute(
                f"""
                insert into mart_survey_indicators
                select * replace ('{code}' as geography_code, '{name}' as geography_name,
                                  ?::double as satisfied_share,
                                  ?::double - 0.1 as ci_low, ?::double + 0.1 as ci_high,
                                  ? as suppressed,
                                  case when ? then 'primary' end as suppression)
                from mart_survey_indicators
                where geography_code = '{COMMUNE}' and breakdown = 'total'
                  and indicator = 'trust_council'
                """, [share, share, share, suppressed, suppressed])
        # an independent read: the province's programme communes and their trust figures
        figures = con.execute(
            f"""
            select g.name_fr, m.satisfied_share, m.ci_low, m.ci_high,
                   coalesce(m.suppressed, false) as suppressed, l.label_fr as reason
            from label_geographies g
            left join mart_survey_indicators m
                   on m.geography_code = g.geography_code and m.breakdown = 'total'
                  and m.indicator = 'trust_council' and m.estimate_type = 'unweighted'
            left join label_codes l on l.code_list = 'suppression' and l.code = m.suppression
            where g.geography_level = 'commune' and g.in_programme
              and g.province_code = '{PROVINCE}'
            """).df()
    build_report(database, tmp_path / "marts" / "report" / "rapport.html")
    page = report_of(tmp_path)
    spec = figure_specs(page)[(PROVINCE, "ranking-satisfaction-trust_council")]
    published = figures[figures["satisfied_share"].notna()].sort_values(
        "satisfied_share", ascending=False)
    withheld = figures[figures["suppressed"]].sort_values("name_fr")
    without = figures[figures["satisfied_share"].isna() & ~figures["suppressed"]] \
        .sort_values("name_fr")
    expected = [
        *((f"{rank}. {r.name_fr}", f"{r.satisfied_share * 100:.1f}")
          for rank, r in enumerate(published.itertuples(), start=1)),
        *((r.name_fr, r.reason) for r in withheld.itertuples()),
        *((r.name_fr, "— aucun chiffre") for r in without.itertuples()),
    ]
    assert ranking(spec) == expected
    # By hand: Béni Mellal's trust, 5 of 11 scores (45.5 %), above Foum Oudi's 30 %; Semguet
    # is withheld, listed "masqué (n < 4)" after them, not dropped, not drawn at 0.
    assert expected[:3] == [("1. Béni Mellal", "45.5"), ("2. Foum Oudi", "30.0"),
                            ("Semguet", "masqué (n < 4)")]
    foum_oudi = next(t for t in spec["data"] if "2. Foum Oudi" in t.get("y", [])
                     and t.get("mode") == "markers")
    position = foum_oudi["y"].index("2. Foum Oudi")
    assert foum_oudi["error_x"]["array"][position] == pytest.approx(10.0)
    assert foum_oudi["error_x"]["arrayminus"][position] == pytest.approx(10.0)
    # The selector of the province's page offers the indicator and swaps to its chart.
    section = page.select_one(f'section[data-code="{PROVINCE}"]')
    select = section.select_one("select.ranking-choice")
    options = {o.get_text(strip=True): o["value"] for o in select.select("option")}
    assert options["Confiance dans le conseil communal"] == f"fig-{PROVINCE}-ranking-" \
        "satisfaction-trust_council"
    assert page.select_one(f'script#{options["Confiance dans le conseil communal"]}')
    plot = section.select_one(f'#{select["data-plot"]}')
    assert plot["data-spec"] == select.select_one("option[selected]")["value"]
    assert {"Satisfaction", "Utilisation des services", "Participation à la vie communale"} \
        == {group["label"] for group in select.select("optgroup")}


def test_the_region_ranks_all_programme_communes(page_threshold_4, marts_threshold_4) -> None:
    specs = figure_specs(page_threshold_4)
    communes = marts_threshold_4.execute(
        "select count(*) from label_geographies where geography_level = 'commune' "
        "and in_programme").fetchone()[0]
    trust = ranking(specs[("05", "ranking-satisfaction-trust_council")])
    assert len(trust) == communes == 40
    # By hand: trust, Ait Bou Oulli 2 of 4 scores (50 %), Béni Mellal 5 of 11 (45.5 %).
    assert trust[:2] == [("1. Ait Bou Oulli · Azilal", "50.0"),
                         ("2. Béni Mellal · Béni Mellal", "45.5")]
    assert {mark for _, mark in trust[2:]} == {"— aucun chiffre"}
    # Overall satisfaction: both withheld, each with its reason, and nobody ranked.
    overall = ranking(specs[("05", "ranking-satisfaction-sat_overall")])
    assert overall[:2] == [("Ait Bou Oulli · Azilal", "masqué (n < 4)"),
                           ("Béni Mellal · Béni Mellal", "masqué (secret complémentaire)")]
    # Equal shares share a rank: both communes have 2 of 4 (Ait Bou Oulli) and 6 of 12
    # (Béni Mellal) respondents who know the PAC.
    pac = ranking(specs[("05", "ranking-yes_no-knows_pac")])
    assert pac[:2] == [("1. Ait Bou Oulli · Azilal", "50.0"),
                       ("1. Béni Mellal · Béni Mellal", "50.0")]
    # Only the region and the provinces compare their communes; no commune page does.
    assert {code for code, kind in specs if kind.startswith("ranking-")} == {
        "05", "05081", "05091", "05255", "05301", "05311"}


TECHNICAL_NAMES = re.compile(
    r"\b(quality|mart|label|stg|int|ref)_[a-z_]+|data/|\braw\b|\.duckdb|\bsuppressed\b")


def test_the_quality_page_speaks_a_managers_words(page, marts) -> None:
    section = page.select_one("#s-qualite")
    note = section.select_one(".technical-note")
    assert "quality_quarantine" in note.get_text()  # kept for the technical team only
    note.extract()
    words = section.get_text(" ", strip=True)
    assert not TECHNICAL_NAMES.search(words), TECHNICAL_NAMES.search(words)
    for (code, _), spec in figure_specs(page).items():
        if code == "qualite":
            written = " ".join([spec["layout"]["title"]["text"],
                                spec["layout"]["title"]["subtitle"]["text"],
                                *(a["text"] for a in spec["layout"]["annotations"]),
                                *(str(t.get("customdata", "")) for t in spec["data"]),
                                *(str(t.get("y", "")) for t in spec["data"])])
            assert not TECHNICAL_NAMES.search(written), TECHNICAL_NAMES.search(written)
    for role in ("agent de saisie", "expert terrain", "chargé de suivi-évaluation",
                 "opérateur"):
        assert role in words, role
    # Tonight's counts, against the quality tables read directly.
    rejected, quarantined, flagged = marts.execute(
        """
        select (select count(*) from quality_file_summary where status = 'rejected'),
               (select sum(quarantined) from quality_file_summary),
               (select count(distinct (source_file, source_row)) from quality_flags)
        """).fetchone()
    rows = {r.select("td")[0].get_text(strip=True): r for r in section.select("table.problems tr")
            if r.select("td")}
    counts = {kind: r.select("td")[2].get_text(strip=True) for kind, r in rows.items()}
    assert counts["Fichier rejeté"] == f"{rejected} fichier(s)"
    assert counts["Ligne mise en quarantaine"] == f"{quarantined} ligne(s)"
    assert counts["Réponse signalée comme douteuse"] == f"{flagged} réponse(s)"
    # By hand: empty.csv is rejected; 4 survey rows and 1 register row are quarantined.
    assert (rejected, quarantined) == (1, 5)
    assert "attention" in rows["Fichier rejeté"]["class"]
    assert not rows["Doublon ou version remplacée"].get("class")


def test_the_question_charts_are_valid_plotly_figures(page_threshold_4) -> None:
    import plotly.graph_objects as go

    specs = figure_specs(page_threshold_4)
    kinds = {}
    for (_, kind), spec in specs.items():
        family = kind.split("-")[0]
        if family in {"questions", "ranking"} and family not in kinds:
            kinds[family] = spec
    assert set(kinds) == {"questions", "ranking"}
    for spec in kinds.values():
        go.Figure(spec)
    frame = pd.Series([kind for _, kind in specs]).str.split("-").str[0]
    # every ranking choice, for the region and each province; four families of questions
    # for every geography with respondents (the region, two provinces, two communes)
    assert (frame == "ranking").sum() == 6 * (14 + 12 + 3)
    assert (frame == "questions").sum() == 5 * 4
