"""Assemble the report: one self-contained HTML file (`report/rapport.html`).

One page for the whole region rather than a folder of pages: a single file is what opens
from an e-mail attachment or a shared folder without a server, and carries Plotly's
JavaScript once (about 4.8 MB) for every chart. A navigation (region → provinces → their
programme communes) shows one geography at a time; a geography's charts are drawn when it
is first shown, so the page opens fast whatever the number of communes. Each figure's data
is embedded as JSON (`<script type="application/json" class="figure-spec">`), which is
also how the tests read the figures back.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from plotly.offline import get_plotlyjs

from citizen_metrics.publish.access import open_database
from citizen_metrics.publish.report import charts as figures
from citizen_metrics.publish.report import quality as quality_page
from citizen_metrics.publish.report import questions as question_charts
from citizen_metrics.publish.report import ranking as ranking_charts
from citizen_metrics.publish.report import text, trend
from citizen_metrics.publish.report.data import ReportData, data_as_of

REPORT_DIR_NAME = "report"
REPORT_FILE_NAME = "rapport.html"
TEMPLATES = Path(__file__).with_name("templates")

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class Geography:
    """One section of the report."""

    level: str
    level_fr: str
    code: str
    name_fr: str
    name_ar: str
    province_code: str | None
    headline: dict[str, Any]
    shares: list[dict[str, Any]]
    figures: list[dict[str, Any]] = field(default_factory=list)
    children: list[Geography] = field(default_factory=list)
    overview: list[dict[str, Any]] = field(default_factory=list)
    # the printed factsheet: lowest published satisfaction, widest published gaps
    lagging_services: list[dict[str, Any]] = field(default_factory=list)
    widest_gaps: list[dict[str, Any]] = field(default_factory=list)
    # the survey's other questions (templates/questions.html.j2), and on the region's and
    # provinces' pages their communes side by side (templates/ranking.html.j2)
    questions: list[dict[str, Any]] = field(default_factory=list)
    rankings: list[dict[str, Any]] = field(default_factory=list)
    # When the survey ran here (`report.trend.period_text`); None without any response.
    period: str | None = None

    @property
    def anchor(self) -> str:
        return f"g-{self.code}"

    @property
    def has_participation(self) -> bool:
        """Workshops were held here: attendances published, or suppressed."""
        return bool(self.headline["attendances"] or self.headline["counts_withheld"])

    @property
    def has_data(self) -> bool:
        return bool(self.headline["n_respondents"]) or self.has_participation


@dataclass(frozen=True)
class ReportSummary:
    path: Path
    geographies: int
    figures: int
    seconds: float
    size_bytes: int


def _figure_id(code: str, kind: str) -> str:
    return f"fig-{code}-{kind}"


def _json(figure: figures.Figure) -> str:
    """Figure JSON safe inside a <script> element."""
    return json.dumps(figure, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).replace("</", "<\\/")




def build_geographies(data: ReportData) -> list[Geography]:
    """One `Geography` per section, with its figures' specifications, in display order."""
    withheld = data.label("suppression", "primary", "masqué")
    night = text.date_time(data.data_as_of)
    satisfaction = dict(tuple(data.satisfaction.groupby("geography_code", sort=False)))
    equity = dict(tuple(data.equity.groupby("geography_code", sort=False)))
    targets = dict(tuple(data.targets.groupby("geography_code", sort=False)))
    lagging = _rows_by_geography(data.lagging_services, _lagging_service)
    widest = _rows_by_geography(data.widest_gaps, _gap)
    fieldwork = trend.periods(data.fieldwork) if len(data.fieldwork) else {}
    by_round = (dict(tuple(data.trend.groupby("geography_code", sort=False)))
                if len(data.trend) else {})
    geographies: list[Geography] = []
    for row in data.headline.itertuples():
        headline = {
            "n_respondents": _int(row.n_respondents), "workshops": _int(row.workshops),
            "attendances": _int(row.attendances),
            "unique_participants": _int(row.unique_participants),
            "flagged": _int(row.flagged),
            # workshops, attendances and participants suppressed (their numbers would give
            # a hidden share away): shown as suppressed, never as "no workshop"
            "counts_withheld": bool(row.counts_withheld),
            "counts_withheld_label": _text(row.counts_withheld_fr, withheld),
        }
        geography_targets = targets.get(row.geography_code, data.targets.iloc[0:0])
        geography = Geography(
            level=row.geography_level,
            level_fr=data.label("geography_level", row.geography_level),
            code=row.geography_code, name_fr=row.name_fr,
            name_ar=row.name_ar,
            province_code=None if pd.isna(row.province_code) else row.province_code,
            headline=headline, shares=_shares(geography_targets, withheld),
            lagging_services=lagging.get(row.geography_code, []),
            widest_gaps=widest.get(row.geography_code, []),
            period=fieldwork.get(row.geography_code),
        )
        if geography.has_data:
            geography.figures = _figures(
                geography, satisfaction.get(row.geography_code),
                equity.get(row.geography_code), geography_targets, withheld, night)
            geography.figures += _trend_figures(geography, by_round.get(row.geography_code),
                                                withheld, night)
        geographies.append(geography)
    _nest(geographies, data, withheld)
    _add_questions_and_rankings(geographies, data, withheld, night)
    return geographies


def _rows_by_geography(frame: pd.DataFrame,
                       formatted: Callable[[dict[str, Any]], dict[str, Any]],
                       ) -> dict[str, list[dict[str, Any]]]:
    """A few ranked rows per geography (already chosen and ordered in SQL), in French."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for record in frame.to_dict("records"):
        rows.setdefault(record["geography_code"], []).append(formatted(record))
    return rows


def _lagging_service(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "service": r["service_fr"], "value": text.percent(r["satisfied_share"]),
        "interval": f"{text.percent(r['ci_low'])} à {text.percent(r['ci_high'])}",
        "rated": text.integer(r["n_rated"]),
        "published": text.integer(r["services_published"]),
        "services": text.integer(r["services"]),
    }


def _gap(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "indicator": r["indicator_fr"],
        "groups": f"{r['group_a_fr']} − {r['group_b_fr']}",
        "gap": text.points(r["gap"]),
        "interval": f"{text.points(r['ci_low'])} à {text.points(r['ci_high'])}",
        "significant": bool(r["significant"]),
        "published": text.integer(r["gaps_published"]),
    }


def _add_questions_and_rankings(geographies: list[Geography], data: ReportData,
                                withheld: str, night: str) -> None:
    """Each geography's charts of the survey's other questions, and the region's and
    provinces' communes side by side, one pre-drawn chart per indicator."""
    questions = dict(tuple(question_charts.prepare(data.questions)
                           .groupby("geography_code", sort=False)))
    rankings = dict(tuple(data.ranking.groupby("parent_code", sort=False)))
    for geography in geographies:
        where = f"{geography.level_fr} {geography.name_fr}"
        if geography.headline["n_respondents"]:
            estimate = ("estimations pondérées par la population des communes (RGPH 2024)"
                        if geography.level != "commune"
                        else "estimations non pondérées (commune)")
            geography.questions = question_charts.question_figures(
                questions.get(geography.code), where, estimate,
                text.integer(geography.headline["n_respondents"]), withheld, night)
        if geography.level in ("region", "province"):
            geography.rankings = ranking_charts.geography_ranking(
                rankings.get(geography.code), geography.level, geography.name_fr, where,
                withheld, night)
        for spec in (*geography.questions, *geography.rankings):
            spec["id"] = _figure_id(geography.code, spec["kind"])
            spec["json"] = _json(spec["spec"])


def _text(value: object, default: str) -> str:
    return default if value is None or pd.isna(value) else str(value)


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _shares(targets: pd.DataFrame, withheld: str) -> list[dict[str, Any]]:
    return [
        {
            "label": r.indicator_fr,
            "value": None if (r.suppressed or r.missing) else text.percent(r.actual, 1),
            "withheld": bool(r.suppressed),
            "missing": bool(r.missing and not r.suppressed),
            "withheld_label": _text(r.withheld_fr, withheld),
            "target": text.percent(r.target),
            "met": None if (r.suppressed or r.missing or pd.isna(r.met)) else bool(r.met),
        }
        for r in targets.itertuples()
    ]


def _figures(geography: Geography, satisfaction: pd.DataFrame | None,
             equity: pd.DataFrame | None, targets: pd.DataFrame, withheld: str,
             night: str) -> list[dict[str, Any]]:
    name = geography.name_fr
    where = f"{geography.level_fr} {name}"
    weighted = geography.level != "commune"
    estimate = ("estimations pondérées par la population des communes (RGPH 2024)"
                if weighted else "estimations non pondérées (commune)")
    respondents = text.integer(geography.headline["n_respondents"])
    specs: list[dict[str, Any]] = []
    if satisfaction is not None and geography.headline["n_respondents"]:
        specs.append({
            "kind": "satisfaction",
            "title": "Satisfaction par service et par groupe",
            "spec": figures.satisfaction_heatmap(
                satisfaction,
                title=f"Satisfaction par service et par groupe — {where}",
                subtitle="Part des répondants satisfaits ou très satisfaits (note 4 ou 5), "
                         "en % des notes de 1 à 5",
                source=f"Source : enquête citoyenne, {respondents} répondants ; {estimate} ; "
                       f"intervalle de confiance à 95 % (Wilson) au survol ; hachuré : "
                       f"masqué ({withheld}, ou secret complémentaire) ; gris « — » : "
                       f"aucune réponse dans le groupe. Données arrêtées au {night}."),
        })
    # One figure, one fate: the heatmap of a province or the region shows weighted shares,
    # the gaps unweighted ones; both are published figures, and either may be suppressed.
    compared = ("la carte de satisfaction montre des parts pondérées : une part masquée "
                "là peut être publiée non pondérée ici" if weighted
                else "les mêmes parts que la carte de satisfaction")
    if equity is not None and geography.headline["n_respondents"]:
        specs.append({
            "kind": "equity",
            "title": "Écarts d'équité",
            "spec": figures.equity_dots(
                equity,
                title=f"Écarts de satisfaction entre groupes — {where}",
                subtitle="Part de satisfaits du premier groupe moins celle du second, en "
                         "points de %, et intervalle de confiance à 95 %<br>● plein : écart "
                         "significatif (l'intervalle exclut 0) ; ○ vide : non significatif",
                source=f"Source : enquête citoyenne, {respondents} répondants ; écarts "
                       f"entre parts non pondérées ({compared}), "
                       f"intervalle de Newcombe à 95 % ; point plein : écart significatif ; "
                       f"« masqué » : un des groupes a moins de notes que le seuil de "
                       f"publication. Données arrêtées au {night}.",
                withheld_label=f"masqué : un des deux groupes comparés est masqué "
                               f"({withheld} ou secret complémentaire)"),
        })
    if geography.has_participation:
        if geography.headline["counts_withheld"]:
            counted = "présences et ateliers masqués (secret statistique)"
        else:
            counted = (f"{text.integer(geography.headline['attendances'])} présences à "
                       f"{text.integer(geography.headline['workshops'])} ateliers")
        specs.append({
            "kind": "targets",
            "title": "Participation et cibles",
            "spec": figures.targets_bars(
                targets,
                title=f"Participation aux ateliers et cibles — {where}",
                subtitle="Part de chaque public parmi les présences ; trait noir : cible "
                         "(part minimale)",
                source=f"Source : registres d'ateliers, {counted} ; non pondéré ; "
                       f"{withheld} : moins de présences que le seuil de publication ; "
                       f"secret complémentaire : part qui permettrait de recalculer une part "
                       f"masquée. Données arrêtées au {night}."),
        })
    for spec in specs:
        spec["id"] = _figure_id(geography.code, spec["kind"])
        spec["json"] = _json(spec["spec"])
        spec["print"] = _printed_as(geography.level, spec["kind"])
        spec["min_width"] = spec["spec"]["layout"].get("meta", {}).get("min_width")
    return specs


# How a chart prints (the template's print stylesheet): "wide" on an A4 landscape page of
# its own (the heatmap, whose columns must each hold the word "masqué"; the gaps, four
# panels side by side), "portrait" in the flow of the portrait pages, "screen" not at all.
# A commune's page prints as a factsheet of at most two pages for its council: its tables
# say what the gaps and targets charts show, so only the heatmap is printed with them.
WIDE_CHARTS = frozenset({"satisfaction", "equity"})
SCREEN_ONLY_CHARTS = {"commune": frozenset({"equity", "targets"})}


def _printed_as(level: str, kind: str) -> str:
    if kind in SCREEN_ONLY_CHARTS.get(level, frozenset()):
        return "screen"
    return "wide" if kind in WIDE_CHARTS else "portrait"


def _trend_figures(geography: Geography, rows: pd.DataFrame | None, withheld: str,
                   night: str) -> list[dict[str, Any]]:
    """The trend between survey rounds (provinces and the region: a commune's figures by
    round are not published)."""
    if rows is None or geography.level == "commune":
        return []
    where = f"{geography.level_fr} {geography.name_fr}"
    spec = trend.trend_chart(
        rows,
        title=f"Évolution entre les vagues d'enquête — {where}",
        subtitle="Part des répondants satisfaits ou très satisfaits (note 4 ou 5), par vague "
                 "d'enquête, avec l'intervalle de confiance à 95 % ; le menu choisit le "
                 "groupe (ensemble, femmes, hommes)",
        source=f"Source : enquête citoyenne ; parts non pondérées par vague (la carte de "
               f"satisfaction montre des parts pondérées sur toute la période) ; intervalle "
               f"de Wilson à 95 % ; deux intervalles qui ne se chevauchent pas indiquent une "
               f"évolution nette ; « masqué » : {withheld}, secret complémentaire, ou une "
               f"seule vague avec assez de personnes pour cet indicateur (pas de tendance). "
               f"Données arrêtées au {night}.",
        withheld_label=f"masqué ({withheld}, secret complémentaire ou une seule vague)")
    if spec is None:
        return []
    figure = {"kind": "trend", "title": "Évolution entre les vagues d'enquête", "spec": spec,
              "id": _figure_id(geography.code, "trend"),
              "print": _printed_as(geography.level, "trend")}
    figure["json"] = _json(spec)
    return [figure]


def _nest(geographies: list[Geography], data: ReportData, withheld: str) -> None:
    """Attach communes to their province, provinces to the region, and the overview
    tables (one row per child: overall satisfaction, trust) to the region and provinces."""
    by_code = {g.code: g for g in geographies}
    region = next((g for g in geographies if g.level == "region"), None)
    for geography in geographies:
        if geography.level == "province" and region is not None:
            region.children.append(geography)
        elif geography.level == "commune" and geography.province_code in by_code:
            by_code[geography.province_code].children.append(geography)
    totals = data.satisfaction[
        (data.satisfaction["breakdown"] == "total")
        & data.satisfaction["indicator"].isin(["sat_overall", "trust_council"])
    ]
    scores = {
        (r["geography_code"], r["indicator"]): {
            "value": None if r["suppressed"] or r["missing"]
            else text.percent(r["satisfied_share"]),
            "withheld": bool(r["suppressed"]),
            "label": _text(r["withheld_fr"], withheld),
        }
        for r in totals[["geography_code", "indicator", "satisfied_share", "suppressed",
                         "missing", "withheld_fr"]].to_dict("records")
    }
    nothing = {"value": None, "withheld": False}
    for geography in geographies:
        geography.overview = [
            {"geography": child,
             "scores": {key: scores.get((child.code, key), nothing)
                        for key in ("sat_overall", "trust_council")}}
            for child in geography.children
        ]


def render(data: ReportData, plotly_js: str) -> str:
    geographies = build_geographies(data)
    region = next((g for g in geographies if g.level == "region"), None)
    night = text.date_time(data.data_as_of)
    quality = _quality_figures(data, night)
    template = _ENVIRONMENT.get_template("report.html.j2")
    return template.render(
        geographies=geographies,
        region=region,
        provinces=[g for g in geographies if g.level == "province"],
        quality=quality,
        problems=_problems(data, geographies),
        disclosure=disclosure_summary(data.disclosure),
        files=data.files.to_dict("records"),
        night=night,
        withheld=data.label("suppression", "primary", "masqué"),
        plotly_js=plotly_js,
        fmt=text,
    )


LEVEL_NAMES = {"region": "la région", "province": "les provinces", "commune": "les communes"}


def disclosure_summary(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """For each level, in plain French: how many satisfaction figures (total and each group)
    are published, and how many are masked because too few people are behind them or to
    protect another figure."""
    rows = []
    for r in frame.itertuples():
        figures = int(r.figures)
        rows.append({
            "level": LEVEL_NAMES.get(str(r.geography_level), str(r.geography_level)),
            "figures": text.integer(figures),
            "published": text.integer(int(r.published)),
            "published_share": text.percent(r.published / figures, 0) if figures else "—",
            "too_few": text.integer(int(r.too_few)),
            "protecting": text.integer(int(r.protecting)),
            "protecting_enough": text.integer(int(r.protecting_enough)),
        })
    return rows


def _quality_figures(data: ReportData, night: str) -> list[dict[str, Any]]:
    specs = quality_page.quality_figures(data, night)
    for spec in specs:
        spec["id"] = _figure_id("qualite", spec["kind"])
        spec["json"] = _json(spec["spec"])
        spec["print"] = "portrait"
    return specs


def _problems(data: ReportData, geographies: list[Geography]) -> list[quality_page.Problem]:
    """The quality page's table of problems, with tonight's counts."""
    region = next((g for g in geographies if g.level == "region"), None)
    flagged = (region.headline["flagged"] or 0) if region is not None \
        else int(data.flags["responses"].sum())
    without_data = sum(1 for g in geographies if g.level == "commune" and not g.has_data)
    masked = int(data.disclosure["too_few"].sum() + data.disclosure["protecting"].sum())
    return quality_page.problems(data.files, flagged, without_data, masked)


def build_report(marts_database: Path, output: Path) -> ReportSummary:
    """Read the published marts (read-only) and write the report, atomically: a reader
    with yesterday's report open keeps a whole file."""
    started = time.perf_counter()
    with open_database(marts_database) as con:
        data = ReportData.load(con, data_as_of(con))
    html = render(data, get_plotlyjs())
    output.parent.mkdir(parents=True, exist_ok=True)
    building = output.with_name(f".{output.name}.building")
    building.write_text(html, encoding="utf-8")
    os.replace(building, output)
    geographies = len(data.headline)
    return ReportSummary(
        path=output, geographies=geographies,
        figures=html.count('class="figure-spec"'),
        seconds=time.perf_counter() - started, size_bytes=output.stat().st_size,
    )
