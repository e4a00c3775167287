"""The whole graph materialized in-process on the committed fixture (tests/fixtures/e2e).

Every expected figure below is worked out by hand from the literal rows of
`tests/fixtures/build_fixtures.py`, not by the code under test.

The fixture is small: at the default threshold (10) disclosure control withholds most of
it. The engine's arithmetic (means, shares, Wilson and Newcombe intervals, weights) is
checked on `engine`, the same run's figures before anything is withheld or rounded; what
is published is checked on `marts`: the figures rounded as published (shares and interval
bounds to 4 decimals, mean scores to 3, n_eff to 1), and what is withheld, with the reason
worked out by hand.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import fastexcel
import numpy as np
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from citizen_metrics.publish.exports import PUBLISHED_TABLES
from citizen_metrics.settings import REPO_ROOT

Z = 1.959964
POP_A, POP_B = 209_594, 11_992  # RGPH 2024: Béni Mellal, Ait Bou Oulli
A, B = "050910101", "050810305"
PA, PB = "05091", "05081"  # their provinces: each commune is alone in its province
SHARE, SCORE, N_EFF = 3, 2, 1  # decimals of published shares (and bounds), means, n_eff
WEIGHTED_SHARE = 2  # decimals of the weighted shares of provinces and the region
ESTIMATES = ("mean_score", "satisfied_share", "ci_low", "ci_high")


def wilson(successes: float, n: float) -> tuple[float, float]:
    return wilson_at(successes / n, n)


def wilson_at(p: float, n: float) -> tuple[float, float]:
    """Wilson's 95 % interval for a share `p` of `n` (the marts compute it from the share
    as published)."""
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


def outwards(low: float, high: float, decimals: int) -> tuple[float, float]:
    """An interval as the marts publish it: rounded outwards to `decimals`."""
    scale = 10**decimals
    return (pytest.approx(math.floor(round(low * scale, 6)) / scale, abs=1e-9),
            pytest.approx(math.ceil(round(high * scale, 6)) / scale, abs=1e-9))


def as_published(value: float, decimals: int):
    """A hand-worked figure as the marts publish it: rounded to `decimals`."""
    return pytest.approx(round(value, decimals), abs=1e-9)


def one(marts, query: str) -> dict:
    cursor = marts.execute(query)
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, f"expected one row, got {len(rows)}: {query}"
    return dict(zip(names, rows[0], strict=True))


def indicator(marts, level: str, code: str, name: str, estimate: str = "unweighted",
              breakdown: str = "total", group: str = "all") -> dict:
    return one(
        marts,
        f"select * from mart_survey_indicators where geography_level = '{level}' "
        f"and geography_code = '{code}' and indicator = '{name}' and breakdown = '{breakdown}' "
        f"and group_key = '{group}' and estimate_type = '{estimate}'",
    )


def test_every_asset_and_check_succeeds(e2e_run) -> None:
    _, result = e2e_run
    assert result.success
    checks = {
        evaluation.check_name: evaluation.passed
        for evaluation in result.get_asset_check_evaluations()
    }
    assert checks["every_row_accounted_for"] is True
    assert checks["no_estimate_below_threshold"] is True
    assert checks["disclosure_audit"] is True
    assert checks["no_personal_data_published"] is True
    # The fixture quarantines rows on purpose: the validation checks warn.
    assert checks["survey_rules_pandera"] is False
    assert checks["register_rules_pandera"] is False


def test_file_summary_accounts_for_every_row(marts) -> None:
    rows = marts.execute(
        "select source_file, sheet, status, rows_read, accepted, duplicate, superseded, "
        "excluded_no_consent, quarantined from quality_file_summary order by all"
    ).fetchall()
    assert rows == [
        ("empty.csv", "", "rejected", 0, 0, 0, 0, 0, 0),
        # A Kobo header and nothing else: loaded, with a reason that says so (below).
        ("header_only.csv", "", "loaded", 0, 0, 0, 0, 0, 0),
        # A1–A12 and B3 accepted except A3 (edited later); R1 refused consent; B1 and B2
        # are credited to kobo_labels_fr.csv, whose latest submission is earlier (files are
        # credited in the order of what they hold, not of their modification times).
        ("kobo_export_2022-03.csv", "", "loaded", 16, 12, 2, 1, 1, 0),
        # 15 identical repeats, A3 edited and B4 accepted, Q1–Q4 quarantined.
        ("kobo_export_2022-04.csv", "", "loaded", 21, 2, 15, 0, 0, 4),
        # B1 and B2 exported with French labels: the same submissions, credited here.
        ("kobo_labels_fr.csv", "", "loaded", 2, 2, 0, 0, 0, 0),
        ("registre_EXP01_2022-03.xlsx", "ateliers", "loaded", 3, 3, 0, 0, 0, 0),
        # Khadija typed twice; Said names the unknown workshop ATL-9.
        ("registre_EXP01_2022-03.xlsx", "participants", "loaded", 13, 11, 1, 0, 0, 1),
        # Re-sent with ATL-4 appended.
        ("registre_EXP01_2022-04.xlsx", "ateliers", "loaded", 4, 1, 3, 0, 0, 0),
        ("registre_EXP01_2022-04.xlsx", "participants", "loaded", 13, 0, 13, 0, 0, 0),
    ]
    assert marts.execute(
        "select source_file, reason from quality_file_summary where reason is not null "
        "order by 1"
    ).fetchall() == [("empty.csv", "le fichier est vide"),
                     ("header_only.csv", "aucune ligne de données : un en-tête et rien d'autre")]


def test_run_summary_names_the_files_to_look_at(e2e_run, marts, monkeypatch,
                                                capsys) -> None:
    from citizen_metrics.publish import summary

    root, _ = e2e_run
    monkeypatch.setenv("PIPELINE_MARTS_DIR", str(root / "marts"))
    assert summary.main() == 0
    out = capsys.readouterr().out
    assert "Enquête : 16 réponses valides ; chiffres pour 2 communes, 2 provinces, 1 région" in out
    # The region's participation: each figure published, or "masqué" where withheld.
    region = one(marts, "select workshops, attendances, unique_participants, share_women, "
                 "share_youth, share_with_disability, share_rural from mart_participation "
                 "where geography_level = 'region' and breakdown = 'total'")
    line = next(text for text in out.splitlines() if text.startswith("Ateliers : "))
    assert line.count("masqué") == sum(value is None for value in region.values())
    assert all(f"{region[name]} " in line for name in ("workshops", "attendances",
                                                       "unique_participants")
               if region[name] is not None)
    assert all(f"{value * 100:.1f} %".replace(".", ",") in line for name, value in region.items()
               if name.startswith("share_") and value is not None)
    assert "  rejeté : empty.csv : le fichier est vide" in out
    assert ("  chargé : header_only.csv : aucune ligne de données : un en-tête et rien "
            "d'autre") in out


def test_quarantine_lists_each_broken_rule(marts) -> None:
    rows = marts.execute(
        'select source_file, sheet, source_row, rule, "column", value '
        "from quality_quarantine order by all"
    ).fetchall()
    assert rows == [
        ("kobo_export_2022-04.csv", "", 18, "age_out_of_range", "age", "130"),
        ("kobo_export_2022-04.csv", "", 19, "missing_submission_id", None, None),
        ("kobo_export_2022-04.csv", "", 20, "commune_not_in_province", "commune", A),
        ("kobo_export_2022-04.csv", "", 21, "score_without_use", "sat_voirie", "3"),
        ("registre_EXP01_2022-03.xlsx", "participants", 7, "unknown_workshop", "workshop_id",
         "ATL-9"),
    ]


def test_commune_figures_match_hand_computation(engine, marts) -> None:
    # Commune A, sat_overall after A3's edit: 5 4 2 3 2 5 4 1 (9) 4 3 5.
    row = indicator(engine, "commune", A, "sat_overall")
    assert (row["n_respondents"], row["n_rated"], row["n_dont_know"]) == (12, 11, 1)
    assert row["mean_score"] == pytest.approx(38 / 11)
    assert row["satisfied_share"] == pytest.approx(6 / 11)
    low, high = wilson_at(round(6 / 11, SHARE), 11)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    weighted = indicator(engine, "commune", A, "sat_overall", "weighted")
    assert weighted["mean_score"] == pytest.approx(38 / 11)
    assert weighted["n_eff"] == pytest.approx(11)
    # Published: 11 scores are enough, but commune B (3 scores) is withheld and the
    # region's published total is A + B, so A is withheld to protect B (complementary).
    # Counts stay published.
    for estimate in ("unweighted", "weighted"):
        row = indicator(marts, "commune", A, "sat_overall", estimate)
        assert (row["n_respondents"], row["n_rated"], row["n_dont_know"]) == (12, 11, 1)
        assert (row["suppressed"], row["suppression"]) == (True, "complementary")
        assert all(row[name] is None for name in ESTIMATES)


def test_small_commune_is_suppressed_but_counted(marts) -> None:
    row = indicator(marts, "commune", B, "sat_overall")
    assert (row["n_respondents"], row["n_rated"], row["n_dont_know"]) == (4, 3, 1)
    assert (row["suppressed"], row["suppression"]) == (True, "primary")
    assert row["mean_score"] is None and row["satisfied_share"] is None
    assert row["ci_low"] is None and row["ci_high"] is None


def test_region_unweighted_and_weighted(engine, marts) -> None:
    # Region = A (11 rated, sum 38, 6 satisfied) + B (B1=4, B2=5, B3=2: 3 rated, sum 11, 2).
    # Published unweighted (14 scores), rounded as published.
    row = indicator(marts, "region", "05", "sat_overall")
    assert (row["n_rated"], row["suppressed"], row["suppression"]) == (14, False, None)
    assert row["mean_score"] == as_published(49 / 14, SCORE)
    assert row["satisfied_share"] == as_published(8 / 14, SHARE)
    low, high = wilson_at(round(8 / 14, SHARE), 14)
    assert (row["ci_low"], row["ci_high"]) == outwards(low, high, SHARE)
    assert row["n_eff"] == as_published(14, N_EFF)
    # Weights: w = N_c / n_c with n_c the commune's valid responses (12 and 4).
    w_a, w_b = POP_A / 12, POP_B / 4
    weighted = indicator(engine, "region", "05", "sat_overall", "weighted")
    total_weight = 11 * w_a + 3 * w_b
    assert weighted["mean_score"] == pytest.approx((38 * w_a + 11 * w_b) / total_weight)
    share = (6 * w_a + 2 * w_b) / total_weight
    assert weighted["satisfied_share"] == pytest.approx(share)
    n_eff = total_weight**2 / (11 * w_a**2 + 3 * w_b**2)
    assert weighted["n_eff"] == pytest.approx(n_eff)
    low, high = wilson_at(round(share, WEIGHTED_SHARE), n_eff)
    assert (weighted["ci_low"], weighted["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    # Published: withheld, because the weights are public: with the region's 14 scores
    # published, 6 w_a + 2 w_b would give A's and B's satisfied counts away (two equations,
    # two withheld communes): it protects them.
    published = indicator(marts, "region", "05", "sat_overall", "weighted")
    assert (published["suppressed"], published["suppression"]) == (True, "complementary")
    assert all(published[name] is None for name in ESTIMATES)


def test_usage_rate_and_yes_no_options(marts) -> None:
    # used_voirie: yes for A1–A8, B1, B2; no for A9–A12, B3, B4 (Q4 is quarantined).
    row = indicator(marts, "region", "05", "sat_voirie")
    assert row["usage_rate"] == pytest.approx(10 / 16)
    # knows_pac yes: A1 A4 A6 A7 A10 A12, B1 B4.
    option = one(
        marts,
        "select * from mart_survey_options where geography_level = 'region' "
        "and breakdown = 'total' and question = 'knows_pac' and option = 'yes' "
        "and estimate_type = 'unweighted'",
    )
    assert (option["n_respondents"], option["n_citing"]) == (16, 8)
    assert option["share"] == pytest.approx(0.5)


def test_disability_from_washington_group_items(marts) -> None:
    # A3 (walking 3) and A12 (walking 4) have a disability; A5 answered 9 to seeing and 1
    # elsewhere, so hers is unknown; everyone else answered 1 or 2 everywhere.
    counts = dict(
        marts.execute(
            "select group_key, n_respondents from mart_survey_indicators "
            "where geography_level = 'region' and breakdown = 'disability' "
            "and indicator = 'sat_overall' and estimate_type = 'unweighted'"
        ).fetchall()
    )
    assert counts == {"with_disability": 2, "unknown": 1, "without_disability": 13}


def test_participation_figures(engine, marts) -> None:
    region = one(
        engine,
        "select * from mart_participation where geography_level = 'region' "
        "and breakdown = 'total'",
    )
    # ATL-1..4 (ATL-4 has nobody yet); 11 attendances once Khadija's double row and the
    # unknown workshop are out; Fatima Zahra came twice (same name and phone, typed apart).
    assert (region["workshops"], region["attendances"], region["unique_participants"]) == (
        4, 11, 10)
    assert region["share_women"] == pytest.approx(7 / 11)
    assert region["share_youth"] == pytest.approx(5 / 11)
    assert region["share_with_disability"] == pytest.approx(3 / 11)
    assert region["share_rural"] == pytest.approx(6 / 11)
    assert region["share_citoyen"] == pytest.approx(6 / 11)
    assert region["workshops_restitution"] == 1
    commune = one(
        engine,
        f"select * from mart_participation where geography_code = '{A}' and breakdown = 'total'",
    )
    # Ahmed Alaoui without a phone in A and in B are two people (matched within a commune).
    # In A: Fatima Zahra twice, Ahmed, فاطمة الزهراء, Khadija: 4 women of 5.
    assert (commune["workshops"], commune["attendances"], commune["unique_participants"]) == (
        3, 5, 4)
    assert commune["share_women"] == pytest.approx(4 / 5)

    # Published. A geography's counts are always published; A (5 attendances) and B (6)
    # are under 10, so their shares are withheld (primary), and so are B's.
    published = {code: one(marts, "select * from mart_participation where geography_code = "
                           f"'{code}' and breakdown = 'total'") for code in (A, B, "05")}
    for code, counts in ((A, (3, 5, 4)), (B, (1, 6, 6)), ("05", (4, 11, 10))):
        row = published[code]
        assert (row["workshops"], row["attendances"], row["unique_participants"]) == counts
    for code in (A, B):
        row = published[code]
        assert (row["suppressed"], row["suppression"]) == (True, "primary")
        assert row["categories_suppressed"] is True
        assert all(row[f"share_{name}"] is None
                   for name in ("women", "youth", "with_disability", "rural", "citoyen"))
    # The region's 11 attendances are enough: each share is published, rounded, or
    # withheld alone (listed in withheld_shares) where its numerator would give a
    # commune's hidden share away.
    row = published["05"]
    assert row["suppressed"] is False
    withheld = set((row["withheld_shares"] or "").split(",")) - {""}
    for name, count in (("women", 7), ("youth", 5), ("with_disability", 3), ("rural", 6)):
        share = row[f"share_{name}"]
        if f"share_{name}" in withheld:
            assert share is None
        else:
            assert share == as_published(count / 11, SHARE)


def test_participation_rows_exist_for_groups_nobody_was_in(marts) -> None:
    # Nobody in B (Ait Bou Oulli) had a disability and an urban residence: the row exists
    # with 0 attendances (or its count withheld), so that a missing row never tells a
    # withheld count is 0.
    row = one(marts, f"select attendances, suppressed from mart_participation "
                     f"where geography_code = '{B}' and breakdown = 'disability,residence' "
                     "and group_key = 'with_disability,urban'")
    assert row["attendances"] in (0, None)
    # Pair rows never publish the four dimension shares (three-way tables nothing protects).
    assert marts.execute(
        "select count(*) from mart_participation where breakdown like '%,%' and ("
        "share_women is not null or share_youth is not null "
        "or share_with_disability is not null or share_rural is not null)").fetchone()[0] == 0


def test_targets(engine, marts) -> None:
    hand = {"share_rural": (0.5, 6 / 11), "share_with_disability": (0.05, 3 / 11),
            "share_women": (0.3, 7 / 11), "share_youth": (0.3, 5 / 11)}
    rows = engine.execute(
        "select indicator, target, actual, met from mart_targets "
        "where geography_level = 'region' order by indicator"
    ).fetchall()
    assert rows == [(name, target, pytest.approx(actual), True)
                    for name, (target, actual) in sorted(hand.items())]
    # Published: A's and B's shares are withheld (5 and 6 attendances), so are their
    # targets (neither met nor missed); the region's are the published shares.
    communes = marts.execute(
        "select count(*), count(actual), count(met) from mart_targets "
        "where geography_level = 'commune'").fetchone()
    assert communes == (8, 0, 0)
    published = marts.execute(
        "select t.indicator, t.actual, t.met, p.share_women, p.share_youth, "
        "p.share_with_disability, p.share_rural from mart_targets t join mart_participation p "
        "using (geography_level, geography_code) where t.geography_level = 'region' "
        "and p.breakdown = 'total'").fetchall()
    for name, actual, met, *shares in published:
        share = dict(zip(("share_women", "share_youth", "share_with_disability",
                          "share_rural"), shares, strict=True))[name]
        assert actual == share
        if actual is None:
            assert met is None
        else:
            target, share = hand[name]
            assert actual == as_published(share, SHARE)
            assert met is (share >= target)


def test_every_geography_level_and_breakdown(marts) -> None:
    levels = marts.execute(
        "select geography_level, count(distinct geography_code) from mart_survey_indicators "
        "group by 1 order by 1"
    ).fetchall()
    assert levels == [("commune", 2), ("province", 2), ("region", 1)]
    breakdowns = {
        b for (b,) in marts.execute("select distinct breakdown from mart_survey_indicators")
        .fetchall()
    }
    singles = {"sex", "age_group", "disability", "residence"}
    pairs = {"sex,age_group", "sex,disability", "sex,residence", "age_group,disability",
             "age_group,residence", "disability,residence"}
    assert {"total"} | singles | pairs <= breakdowns


def test_no_personal_data_in_marts_or_exports(e2e_run, marts) -> None:
    from tests.fixtures.build_fixtures import NEW, PARTICIPANTS, R

    root, _ = e2e_run
    secrets = {row[16] for row in [*R, *NEW] if row[16]} | {row[17] for row in R if row[17]}
    secrets |= {p[1] for p in PARTICIPANTS} | {p[7] for p in PARTICIPANTS if p[7]}
    secrets |= {"Hay Salam", "ENQ-01", "collect:fixture01", "a1", "b1"}
    published = [root / "marts" / "citizen_metrics.duckdb", *sorted(
        path for path in (root / "marts" / "exports").rglob("*") if path.is_file())]
    # database, Parquet and CSV per table, workbook, its 11 sheets as French-Excel CSV, report
    assert len(published) == 1 + 2 * len(PUBLISHED_TABLES) + 1 + 11
    published.append(root / "marts" / "report" / "rapport.html")
    texts = []
    for table in [t for (t,) in marts.execute("show tables").fetchall()]:
        texts.append(marts.execute(f"select * from {table}").df().to_csv())
    for path in published[1:]:
        if path.suffix == ".csv":
            texts.append(path.read_text(encoding="utf-8-sig"))
        if path.suffix == ".xlsx":
            texts += [repr(sheet) for sheet in workbook_sheets(path).values()]
        if path.suffix == ".html":  # the report, without Plotly's own JavaScript
            texts.append(path.read_text(encoding="utf-8").replace(get_plotlyjs(), ""))
    blob = "\n".join(texts)
    # Place names of the public reference lists (published as labels) are not personal
    # data, even where a person shares one ("Youssef" in the commune "Ouled Youssef").
    reference = REPO_ROOT / "data" / "reference"
    places = {name for file in ("communes.csv", "provinces.csv")
              for column in ("name_fr", "name_ar")
              for name in pd.read_csv(reference / file, dtype=str)[column]}
    for place in sorted(places, key=len, reverse=True):
        blob = blob.replace(place, "")
    compact = re.sub(r"[\s\-+]", "", blob)
    for secret in secrets:
        if secret in {"a1", "b1"}:  # raw submission ids: look for them as whole cells
            assert f",{secret}," not in blob
            continue
        assert secret not in blob, secret
        phone_digits = "".join(ch for ch in secret if ch.isdigit())
        if len(phone_digits) >= 9:
            assert phone_digits[-9:] not in compact, secret


def workbook_sheets(path: Path) -> dict[str, list[dict]]:
    reader = fastexcel.read_excel(str(path))
    return {name: reader.load_sheet(name, dtypes="string").to_arrow().to_pylist()
            for name in reader.sheet_names}


def test_workbook_keeps_codes_as_text(e2e_run) -> None:
    root, _ = e2e_run
    sheets = workbook_sheets(root / "marts" / "exports" / "citizen_metrics.xlsx")
    codes = {row["Code"] for row in sheets["participation"]}
    assert codes >= {"050910101", "05081", "05"}  # text cells, leading zeros kept


def test_gap_with_newcombe_interval_by_hand(engine, marts) -> None:
    # Commune A, sat_overall. Women A1–A6 scored 5 4 2 3 2 5: 3 satisfied of 6.
    # Men A7, A8, A10, A11, A12 scored 4 1 4 3 5 (A9 said don't know): 3 of 5.
    query = (f"select * from mart_equity_gaps where geography_code = '{A}' "
             "and indicator = 'sat_overall' and dimension = 'sex'")
    gap = one(engine, query)
    p1, p2 = 3 / 6, 3 / 5
    (l1, u1), (l2, u2) = wilson(3, 6), wilson(3, 5)
    assert (gap["n_a"], gap["n_b"]) == (6, 5)
    assert gap["gap"] == pytest.approx(p1 - p2)
    assert gap["ci_low"] == pytest.approx(p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2))
    assert gap["ci_high"] == pytest.approx(p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))
    assert gap["significant"] is False and gap["suppressed"] is False
    # Published: 6 and 5 scores are under 10, the gap and its two shares are withheld;
    # the numbers of scores stay.
    published = one(marts, query)
    assert (published["n_a"], published["n_b"], published["suppressed"]) == (6, 5, True)
    assert all(published[name] is None
               for name in ("share_a", "share_b", "gap", "ci_low", "ci_high", "significant"))


def withheld(marts, where: str, indicator: str = "sat_overall",
             estimate: str = "unweighted") -> dict[tuple[str, str, str], str | None]:
    """(geography, breakdown, group) → reason withheld (None: published), for one
    indicator's rows with at least one score."""
    rows = marts.execute(
        "select geography_code, breakdown, group_key, suppression, mean_score is null "
        f"from mart_survey_indicators where indicator = ? and estimate_type = ? "
        f"and n_rated > 0 and ({where})", [indicator, estimate]).fetchall()
    for *_, reason, empty in rows:
        assert empty is (reason is not None)  # a withheld row publishes no estimate
    return {(code, breakdown, group): reason for code, breakdown, group, reason, _ in rows}


def test_primary_and_complementary_suppression_by_hand(marts) -> None:
    # sat_overall, threshold 10. Commune B has 3 scores: primary, and so is its province
    # (B is alone in it). A has 11, but the region's total (14, published) is A + B: A is
    # withheld to protect B (complementary), and so is A's province. The region total
    # stays published: the cheapest figure to withhold is A, a commune.
    totals = withheld(marts, "breakdown = 'total'")
    assert totals == {(B, "total", "all"): "primary", (PB, "total", "all"): "primary",
                      (A, "total", "all"): "complementary",
                      (PA, "total", "all"): "complementary", ("05", "total", "all"): None}
    # By commune type, a commune's rows repeat its own; the region's rural communes are
    # B alone (primary), its urban ones A alone (complementary).
    types = withheld(marts, "breakdown = 'commune_type'")
    assert types == {(B, "commune_type", "rural"): "primary",
                     (PB, "commune_type", "rural"): "primary",
                     (A, "commune_type", "urban"): "complementary",
                     (PA, "commune_type", "urban"): "complementary",
                     ("05", "commune_type", "rural"): "primary",
                     ("05", "commune_type", "urban"): "complementary"}
    # Every group of A and B has fewer than 10 scores (A: 6 women, 5 men; 4 youth, 4
    # adults, 3 seniors…): primary.
    groups = withheld(marts, "geography_level = 'commune' and breakdown in "
                             "('sex', 'age_group', 'disability', 'residence')")
    assert groups and set(groups.values()) == {"primary"}
    # Weighted: a commune's weighted figures are its unweighted ones, withheld alike; the
    # region's weighted total is withheld to protect its two communes (with the unweighted
    # total and the public weights, it would be a second equation on them).
    assert withheld(marts, "geography_level = 'commune' and breakdown = 'total'",
                    estimate="weighted") == {(B, "total", "all"): "primary",
                                             (A, "total", "all"): "complementary"}
    assert withheld(marts, "geography_level = 'region' and breakdown = 'total'",
                    estimate="weighted") == {("05", "total", "all"): "complementary"}
    # Age-group gap of A (youth vs adult + senior) would reveal the hidden groups.
    gap = one(marts, f"select * from mart_equity_gaps where geography_code = '{A}' "
                     "and indicator = 'sat_overall' and dimension = 'age_group'")
    assert gap["suppressed"] is True and gap["gap"] is None


def test_commune_pairs_never_publish_estimates(marts, marts_threshold_4) -> None:
    # At commune level, pairs of dimensions are withheld by design (`commune_pair`), even
    # where enough people are behind them: with a threshold of 4, A's urban women (A1,
    # A2, A3, A5, A6: 5 scores) and urban men (A7, A10, A11, A12: 4) are withheld too.
    pairs = "geography_level = 'commune' and breakdown = 'sex,residence'"
    for con in (marts, marts_threshold_4):
        found = withheld(con, pairs)
        assert found[(A, "sex,residence", "female,urban")] == "commune_pair"
        assert found[(A, "sex,residence", "male,urban")] == "commune_pair"
        assert set(found.values()) == {"commune_pair"}
    counts = dict(marts_threshold_4.execute(
        "select group_key, n_rated from mart_survey_indicators where geography_code = ? "
        "and breakdown = 'sex,residence' and indicator = 'sat_overall' "
        "and estimate_type = 'unweighted'", [A]).fetchall())
    assert counts == {"female,rural": 1, "female,urban": 5, "male,rural": 1, "male,urban": 4}
    every = marts.execute(
        "select count(*), count(*) filter (suppression = 'commune_pair') "
        "from mart_survey_indicators where geography_level = 'commune' and n_rated > 0 "
        "and breakdown like '%,%' and breakdown not like '%commune_type%'").fetchone()
    assert every[0] > 0 and every[0] == every[1]


def test_withheld_options_publish_no_count(marts) -> None:
    # knows_pac: B has 4 respondents (primary); A's 12 are enough, but the region's 16
    # (published: 8 yes) are A + B, so A is withheld too. A withheld share keeps its
    # respondents but not the number citing the option (it would give the share away).
    rows = marts.execute(
        "select geography_code, option, n_respondents, n_citing, share, suppressed, "
        "suppression from mart_survey_options where breakdown = 'total' "
        "and question = 'knows_pac' and estimate_type = 'unweighted' "
        "and geography_level in ('commune', 'region') order by 1, 2").fetchall()
    assert rows == [
        ("05", "no", 16, 8, 0.5, False, None),
        ("05", "yes", 16, 8, 0.5, False, None),
        (B, "no", 4, None, None, True, "primary"),
        (B, "yes", 4, None, None, True, "primary"),
        (A, "no", 12, None, None, True, "complementary"),
        (A, "yes", 12, None, None, True, "complementary"),
    ]


def test_estimates_are_published_rounded(marts) -> None:
    # Shares and interval bounds to 3 decimals (weighted ones to 2), mean scores to 2
    # (weighted ones to 1), n_eff to 1.
    decimals = {
        "mart_survey_indicators": {"usage_rate": SHARE, "satisfied_share": SHARE,
                                   "ci_low": SHARE, "ci_high": SHARE, "mean_score": SCORE,
                                   "n_eff": N_EFF},
        "mart_survey_options": {"share": SHARE, "ci_low": SHARE, "ci_high": SHARE},
        "mart_equity_gaps": {"share_a": SHARE, "share_b": SHARE, "gap": SHARE,
                             "ci_low": SHARE, "ci_high": SHARE},
        "mart_participation": {f"share_{name}": SHARE for name in (
            "women", "youth", "with_disability", "rural", "citoyen", "societe_civile",
            "elu", "fonctionnaire", "ieecag")},
        "mart_targets": {"actual": SHARE},
    }
    published = 0
    for table, columns in decimals.items():
        for column, places in columns.items():
            values, unrounded = marts.execute(
                f"select count({column}), count(*) filter "
                f"(abs({column} - round({column}, {places})) > 1e-12) from {table}"
            ).fetchone()
            assert unrounded == 0, (table, column)
            published += values
    assert published > 0


MARTS_CONTRACT = {  # docs/data_dictionary.md: the columns every published table promises, at least
    "mart_survey_indicators": "breakdown group_key indicator estimate_type n_respondents "
    "n_rated n_dont_know usage_rate mean_score satisfied_share ci_low ci_high n_eff suppressed",
    "mart_survey_options": "question option n_respondents n_citing share rank suppressed",
    "mart_equity_gaps": "dimension group_a group_b n_a n_b share_a share_b gap ci_low ci_high "
    "significant suppressed",
    "mart_participation": "workshops attendances unique_participants share_women share_youth "
    "share_with_disability share_rural share_citoyen share_societe_civile share_elu "
    "share_fonctionnaire share_ieecag",
    "mart_targets": "indicator target actual met",
    "quality_file_summary": "source_file file_kind status reason rows_read accepted duplicate "
    "superseded excluded_no_consent quarantined",
    "quality_quarantine": "source_file source_row rule column value message",
    "quality_flags": "source_file source_row flag",
}
GEOGRAPHY = "geography_level geography_code geography_name in_programme"


@pytest.mark.parametrize(("table", "columns"), MARTS_CONTRACT.items())
def test_published_tables_keep_the_marts_contract(marts, table: str, columns: str) -> None:
    present = {name for (name, *_) in marts.execute(f"describe {table}").fetchall()}
    promised = set(columns.split())
    if table.startswith("mart_"):
        promised |= set(GEOGRAPHY.split())
    assert promised <= present, promised - present
    assert marts.execute(f"select count(*) from {table}").fetchone()[0] > 0


def test_doubtful_responses_are_kept_and_flagged(marts) -> None:
    # B4 (row 17 of the April export) was interviewed in 3 minutes.
    assert marts.execute(
        "select source_file, source_row, flag, commune_code from quality_flags"
    ).fetchall() == [("kobo_export_2022-04.csv", 17, "short_interview", B)]
    assert indicator(marts, "commune", B, "sat_overall")["n_respondents"] == 4


def test_the_disclosure_table_counts_what_is_withheld(marts) -> None:
    # quality_disclosure against the satisfaction figures counted again with pandas: by
    # level, breakdown, estimate type and fate, the figures, those resting on 10 people or
    # more, and those withheld (a commune's rows by commune type repeat its own: left out).
    rows = marts.execute(
        "select geography_level, breakdown, estimate_type, suppression, n_rated "
        "from mart_survey_indicators where n_rated > 0").df()
    rows = rows[~((rows["geography_level"] == "commune")
                  & rows["breakdown"].str.contains("commune_type"))]
    rows["fate"] = rows["suppression"].fillna("published")
    expected = rows.groupby(["geography_level", "breakdown", "estimate_type", "fate"]).agg(
        figures=("n_rated", "size"), figures_enough=("n_rated", lambda n: int((n >= 10).sum())),
    ).reset_index()
    expected["withheld"] = np.where(expected["fate"] == "published", 0, expected["figures"])
    published = marts.execute(
        "select geography_level, breakdown, estimate_type, fate, figures, figures_enough, "
        "withheld from quality_disclosure where figure = 'satisfaction' order by all").df()
    key = ["geography_level", "breakdown", "estimate_type", "fate"]
    expected = expected.sort_values(key).reset_index(drop=True)
    assert len(published) == len(expected) > 0
    for column in [*key, "figures", "figures_enough", "withheld"]:
        assert published[column].tolist() == expected[column].tolist(), column
    # Something is withheld for each reason the fixture has: too few people, protection.
    assert {"primary", "complementary"} <= set(published["fate"])
