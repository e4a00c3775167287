"""Communes side by side (issue 20, item 3): on the region's page and each province's, its
programme communes ranked on an indicator the manager chooses.

The report is one static file that opens offline, so every choice is drawn in advance: one
figure per indicator (satisfaction with each service, overall and trust; usage of each
service; the yes/no questions of citizen participation), and a `<select>` above the chart
swaps them (`templates/ranking.html.j2`). Each figure ranks the communes on their share
among all respondents, with its 95 % interval, against the province's (or the region's)
own figure; a commune whose interval lies wholly below it is drawn orange, wholly above it
green. A commune whose figure is withheld is listed "masqué" with its reason, after the
ranked ones, and one without any figure "—": neither is dropped, neither is drawn as 0.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from citizen_metrics.publish.report import charts, text

Figure = dict[str, Any]

FAMILIES = {
    "satisfaction": ("Satisfaction", "part des répondants satisfaits ou très satisfaits "
                     "(note 4 ou 5), parmi les notes de 1 à 5"),
    "usage": ("Utilisation des services", "part des répondants ayant utilisé le service au "
              "cours des 12 derniers mois"),
    "yes_no": ("Participation à la vie communale", "part des répondants ayant répondu "
               "« oui »"),
}
BELOW = "#c4540c"
ABOVE = "#2e7d32"
LEVEL = "#1f5f99"


def ranking_chart(rows: pd.DataFrame, title: str, subtitle: str, source: str,
                  parent_label: str) -> Figure:
    """One indicator, the communes of one province (or of the region) in rows, ranked.

    `rows` holds, in display order (ranked, then masked, then without a figure), one row per
    commune: `label`, `share`, `ci_low`, `ci_high`, `n`, `rank`, `suppressed` with its reason
    `withheld_fr`, `missing`, and the parent's own `parent_share` (`parent_suppressed`).
    """
    records = rows.to_dict("records")  # at most 40 communes
    labels = [r["label"] for r in records]
    first_share = records[0]["parent_share"] if records else None
    # the province's (or region's) own figure, None when withheld or missing
    parent = float(first_share) if isinstance(first_share, float) and _known(first_share) \
        else None
    data: list[dict[str, Any]] = []
    shown = [r for r in records if not r["suppressed"] and not r["missing"]]
    for position, name, colour in (
        ("below", "Intervalle entièrement sous le chiffre de référence", BELOW),
        ("above", "Intervalle entièrement au-dessus du chiffre de référence", ABOVE),
        ("level", "Intervalle qui contient le chiffre de référence, ou sans intervalle",
         LEVEL),
    ):
        points = [r for r in shown if _position(r, parent) == position]
        with_interval = [r for r in points if _known(r["ci_low"])]
        data.append({
            "type": "scatter", "mode": "markers", "name": name,
            "x": [text.rounded_percent(r["share"], 1) for r in points],
            "y": [r["label"] for r in points],
            "error_x": {"type": "data", "symmetric": False, "visible": bool(with_interval),
                        "array": [_span(r["ci_high"], r["share"]) for r in points],
                        "arrayminus": [_span(r["share"], r["ci_low"]) for r in points],
                        "color": colour, "thickness": 1.5, "width": 3},
            "marker": {"color": colour, "size": 10, "line": {"color": colour, "width": 1}},
            "customdata": [_hover(r) for r in points],
            "hovertemplate": "%{customdata}<extra></extra>",
        })
    for key, mark_of, hover in (
        ("suppressed", lambda r: str(r["withheld_fr"]),
         "chiffre non publié (secret statistique) : ce n'est pas un zéro"),
        ("missing", lambda r: "— aucun chiffre", "aucune réponse à cette question"),
    ):
        marked = [r for r in records if r[key]]
        data.append({
            "type": "scatter", "mode": "text", "name": key,
            "x": [1] * len(marked), "y": [r["label"] for r in marked],
            "text": [mark_of(r) for r in marked], "textposition": "middle right",
            "textfont": {"size": 11, "color": "#404040"},
            "hovertext": [hover] * len(marked), "hoverinfo": "text",
        })
    widest = max((len(label) for label in labels), default=10)
    layout = charts._layout(title, subtitle, source, height=120 + 26 * len(labels) + 120,
                            bottom=120, left=max(200, 30 + round(6.6 * widest)))
    layout["margin"]["t"] = 150
    layout["xaxis"] = {"range": [0, 100], "ticksuffix": " %", "gridcolor": "#eeeeee",
                       "title": {"text": "part (%) et intervalle de confiance à 95 %"}}
    # the first commune at the top, no empty band above or below
    layout["yaxis"] = {"range": [len(labels) - 0.5, -0.5], "automargin": False,
                       "ticksuffix": "  ", "type": "category", "categoryorder": "array",
                       "categoryarray": labels, "gridcolor": "#f3f3f3"}
    if parent is not None:
        value = text.rounded_percent(parent, 1)
        layout["shapes"] = [{"type": "line", "xref": "x", "x0": value, "x1": value,
                             "yref": "paper", "y0": 0, "y1": 1,
                             "line": {"color": "#111111", "width": 2, "dash": "dash"}}]
        layout["annotations"].append({
            "text": f"{parent_label} : {text.percent(parent)}", "xref": "x", "x": value,
            "yref": "paper", "y": 1.0, "yanchor": "bottom", "showarrow": False,
            "font": {"size": 11}, "bgcolor": "rgba(255,255,255,0.8)",
        })
    elif records and records[0]["parent_suppressed"]:
        layout["annotations"].append({
            "text": f"{parent_label} : masqué", "xref": "paper", "x": 1, "xanchor": "right",
            "yref": "paper", "y": 1.0, "yanchor": "bottom", "showarrow": False,
            "font": {"size": 11},
        })
    return {"data": data, "layout": layout}


def _position(record: dict[str, Any], reference: float | None) -> str:
    """Where a commune's interval lies against the reference figure: wholly `below`,
    wholly `above`, or `level` (it contains it, or there is no interval or reference)."""
    if reference is not None and _known(record["ci_high"]) and record["ci_high"] < reference:
        return "below"
    if reference is not None and _known(record["ci_low"]) and record["ci_low"] > reference:
        return "above"
    return "level"


def _known(value: object) -> bool:
    return value is not None and not pd.isna(value)


def _span(high: object, low: object) -> float | None:
    """An error bar's length in percentage points (None without an interval)."""
    if not (_known(high) and _known(low)):
        return None
    return round((float(high) - float(low)) * 100, 2)  # type: ignore[arg-type]


def _hover(record: dict[str, Any]) -> str:
    interval = (f" (IC 95 % : {text.percent(record['ci_low'])} à "
                f"{text.percent(record['ci_high'])})" if _known(record["ci_low"]) else "")
    return (f"<b>{record['label']}</b><br>{record['choice_long_fr']} : "
            f"{text.percent(record['share'], 1)}{interval}<br>"
            f"{text.integer(record['n'])} répondants")


def geography_ranking(rows: pd.DataFrame | None, level: str, name_fr: str, where: str,
                      withheld: str, night: str) -> list[dict[str, Any]]:
    """The pre-drawn charts of one province's or the region's page, one per indicator, in
    the order of the selector: `family`, `family_fr`, `choice`, `choice_fr`, `kind` and
    `spec`. On the region's page each commune is named with its province."""
    if rows is None or rows.empty:
        return []
    frame = rows.assign(label=rows["name_fr"] if level == "province"
                        else rows["name_fr"] + " · " + rows["province_fr"].fillna(""))
    frame["label"] = frame["rank"].astype("Int64").astype(str).where(
        frame["rank"].notna(), "") + frame["rank"].notna().map({True: ". ", False: ""}) \
        + frame["label"]
    parent_label = f"{'Région' if level == 'region' else 'Province'} {name_fr}"
    reference = "de la région" if level == "region" else "de la province"
    communes = frame["commune_code"].nunique()
    charts_of_page = []
    for (family, choice), choice_rows in frame.groupby(["family", "choice"], sort=False):
        family_fr, measure = FAMILIES[str(family)]
        first = choice_rows.iloc[0]
        interval = ("sans intervalle publié pour les taux d'utilisation"
                    if family == "usage" else "trait : intervalle de confiance à 95 % (Wilson)")
        charts_of_page.append({
            "family": family, "family_fr": family_fr, "choice": choice,
            "choice_fr": first["choice_fr"],
            "kind": f"ranking-{family}-{choice}",
            "spec": ranking_chart(
                choice_rows,
                title=f"Communes côte à côte — {where}",
                subtitle=f"<b>{first['choice_long_fr']}</b><br>{measure[:1].upper()}"
                         f"{measure[1:]}<br>Communes classées de la plus haute à la plus "
                         f"basse ; tiretés : {parent_label}",
                parent_label=parent_label,
                source=f"Source : enquête citoyenne ; {communes} communes du programme, "
                       f"chiffres non pondérés de chaque commune, chiffre {reference} "
                       f"pondéré par la population des communes ; {interval} ; orange : "
                       f"intervalle entièrement sous le chiffre de référence, vert : "
                       f"au-dessus ; « {withheld} » ou « masqué (secret complémentaire) » : "
                       f"chiffre non publié, listé après les autres ; « — » : aucun "
                       f"chiffre. Données arrêtées au {night}."),
        })
    return charts_of_page
