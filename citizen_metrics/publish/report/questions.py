"""Every other question of the survey in the report: one compact chart per question family
and geography (issue 20, item 2).

The families are the survey's questions beyond satisfaction, as the questionnaire defines
them (`data.QUESTIONS_SQL`): the usage of each service, the yes/no questions of citizen
participation (knowing the communal action plan, having attended a consultation, having
asked for information…), and each multi-select question (information channels,
priorities), its options ranked by the share of all respondents citing them. Each chart is
a heatmap like the satisfaction one, items in rows and groups (all respondents, then each
dimension alone) in columns, so that a manager reads them all the same way: the share in
the cell, its 95 % interval under it where one is published, a hatched "masqué" for a
figure withheld (never a zero), a grey "—" for a group without any answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from citizen_metrics.publish.report import charts, text

Figure = dict[str, Any]

# One colour scale for shares of people (usage, yes, citing): green, so that it is not
# mistaken for the blue of satisfaction.
SHARE_SCALE = [[0.0, "#f7fcf5"], [0.25, "#c7e9c0"], [0.5, "#74c476"], [0.75, "#238b45"],
               [1.0, "#00441b"]]

USAGE = "usage"
YES_NO = "yes_no"


def block_wording(block: str, question_fr: str) -> dict[str, str]:
    """Heading, chart subtitle and the note on how to read one family's chart."""
    if block == USAGE:
        return {
            "title": "Utilisation des services",
            "subtitle": "Part des répondants ayant utilisé le service au cours des 12 "
                        "derniers mois, parmi ceux qui ont répondu oui ou non",
            "howto": "Chaque case : la part des répondants du groupe qui ont utilisé le "
                     "service au cours des 12 derniers mois. Un service peu utilisé a une "
                     "note de satisfaction qui repose sur peu de personnes. Aucun intervalle "
                     "de confiance n'est publié pour ces taux.",
        }
    if block == YES_NO:
        return {
            "title": "Participation à la vie communale",
            "subtitle": "Part des répondants ayant répondu « oui », parmi ceux qui ont "
                        "répondu à la question",
            "howto": "Chaque case : la part des répondants du groupe qui ont répondu « oui » "
                     "(par exemple, qui ont entendu parler du Programme d'action de la "
                     "commune) ; sous la part, son intervalle de confiance à 95 %.",
        }
    return {
        "title": question_fr,
        "subtitle": "Part des répondants citant chaque réponse (plusieurs réponses "
                    "possibles) ; réponses classées de la plus citée à la moins citée par "
                    "l'ensemble des répondants",
        "howto": "Chaque ligne : une réponse, précédée de son rang parmi l'ensemble des "
                 "répondants (1 = la plus citée) ; chaque case : la part des répondants du "
                 "groupe qui l'ont citée, et sous elle son intervalle de confiance à 95 %. "
                 "Une personne peut citer plusieurs réponses : les parts d'une colonne ne "
                 "font pas 100 %.",
    }


def prepare(cells: pd.DataFrame) -> pd.DataFrame:
    """The words and numbers each cell shows, worked out once for every geography (one
    pass over the frame rather than one per chart): `label` (an option's rank among all
    respondents before its name), `z` (the share in percent, to one decimal, where shown),
    `cell_text` (the share, and its interval under it) and `hover`."""
    shown = (~cells["suppressed"] & ~cells["missing"]).to_numpy(bool)
    ranked = cells["total_rank"].notna() & ~cells["block"].isin([USAGE, YES_NO])
    share = cells["share"].to_numpy(float)
    low, high = cells["ci_low"].to_numpy(float), cells["ci_high"].to_numpy(float)
    # the numbers as French text, one list each (formatting is per value)
    whole = pd.Series([text.percent(v) for v in share], index=cells.index)
    interval = pd.Series(
        [f"{text.percent(a)[:-2]}–{text.percent(b)}" if not (np.isnan(a) or np.isnan(b))
         else "" for a, b in zip(low, high, strict=True)], index=cells.index)
    people = pd.Series([text.integer(n) for n in cells["n"].astype(float).to_numpy()],
                       index=cells.index)
    has_interval = interval != ""
    cell_text = whole.where(~has_interval,
                            whole + "<br><span style='font-size:9px'>" + interval + "</span>")
    # the row's label comes from the chart itself (%{y} in the hover template): the file
    # carries each label once per chart, not once per cell
    hover = (cells["breakdown_fr"].astype(str) + " : " + cells["group_fr"].astype(str)
             + "<br>Part : " + whole
             + (" (IC 95 % : " + interval + ")").where(has_interval, "")
             + "<br>" + people + " répondants")
    return cells.assign(
        label=np.where(ranked, cells["total_rank"].astype("Int64").astype(str) + ". ", "")
        + cells["item_fr"],
        z=np.where(shown, [text.rounded_percent(v, 1) if ok else np.nan
                           for v, ok in zip(share, shown, strict=True)], np.nan),
        cell_text=cell_text.where(shown, ""),
        hover=hover.where(shown, ""),
    )


def share_heatmap(cells: pd.DataFrame, title: str, subtitle: str, source: str,
                  label_width: int = 32) -> Figure:
    """A share per item (rows) and group (columns), with its interval under it when one is
    published.

    `cells` holds one geography's rows of one family, `prepare`d, in display order: every
    item × every group (`label`, `breakdown_fr`, `group_fr`, `z`, `cell_text`, `hover`,
    `ci_low`, `suppressed` with its reason `withheld_fr`, `missing`).
    """
    columns_per_row = len(cells) // max(cells["item"].nunique(), 1)
    shape = (len(cells) // max(columns_per_row, 1), columns_per_row)
    items = [charts._wrap(label, label_width)
             for label in cells["label"].to_numpy()[::columns_per_row]]
    x = [[charts._wrap(label, 12) for label in cells["breakdown_fr"].to_numpy()[:shape[1]]],
         [charts._wrap(label, 10) for label in cells["group_fr"].to_numpy()[:shape[1]]]]
    suppressed = cells["suppressed"].to_numpy(bool).reshape(shape)
    missing = cells["missing"].to_numpy(bool).reshape(shape)
    z = cells["z"].to_numpy(float).reshape(shape)
    reasons = cells["withheld_fr"].to_numpy(object).reshape(shape)
    rows, columns = np.nonzero(suppressed)
    empty_rows, empty_columns = np.nonzero(missing)
    with_intervals = bool(cells["ci_low"].notna().any())
    data: list[dict[str, Any]] = [
        {
            "type": "heatmap", "name": "Part",
            "x": x, "y": items, "z": charts._nullable(z),
            "text": cells["cell_text"].to_numpy(object).reshape(shape).tolist(),
            "texttemplate": "%{text}", "textfont": {"size": 11},
            "customdata": cells["hover"].to_numpy(object).reshape(shape).tolist(),
            "hovertemplate": "<b>%{y}</b><br>%{customdata}<extra></extra>",
            "zmin": 0, "zmax": 100, "colorscale": SHARE_SCALE,
            "xgap": 2, "ygap": 2, "hoverongaps": False,
            "colorbar": {"title": {"text": "Part (%)", "side": "right"},
                         "ticksuffix": " %", "thickness": 12, "len": 0.8},
        },
        {
            # groups without any answer: grey, "—"
            "type": "heatmap", "name": "aucune réponse",
            "x": x, "y": items,
            "z": charts._nullable(np.where(missing, 0.0, np.nan)),
            "colorscale": [[0, charts.LIGHT_GREY], [1, charts.LIGHT_GREY]], "showscale": False,
            "xgap": 2, "ygap": 2, "hoverinfo": "skip", "hoverongaps": False,
        },
        charts._text_marks(x, items, rows, columns, "masqué",
                           [str(reasons[r, c]) for r, c in zip(rows, columns, strict=True)]),
        charts._text_marks(x, items, empty_rows, empty_columns, "—",
                           ["aucune réponse dans ce groupe"] * len(empty_rows)),
    ]
    lines = max((label.count("<br>") + 1 for label in items), default=1)
    row_height = max(34, 14 * lines + 8, 42 if with_intervals else 0)
    # room for the longest line of the labels (about 6.6 pixels a character at 12 px)
    widest = max((len(line) for label in items for line in label.split("<br>")), default=10)
    layout = charts._layout(title, subtitle, source,
                            height=80 + row_height * len(items) + 195, bottom=195,
                            left=max(210, 30 + round(6.6 * widest)))
    layout["margin"]["r"] = 90  # the colour bar
    layout["xaxis"] = {"type": "multicategory", "side": "bottom", "tickfont": {"size": 11},
                       "tickangle": 0, "automargin": False,
                       "title": {"text": "Groupe de répondants", "standoff": 8}}
    layout["yaxis"] = {"autorange": "reversed", "ticksuffix": "  ", "automargin": False,
                       "title": {"text": ""}}
    layout["images"] = [{
        "source": charts.HATCH_IMAGE, "xref": "x domain", "yref": "y domain", "x": 0, "y": 1,
        "sizex": 1, "sizey": 1, "sizing": "stretch", "layer": "below",
        "xanchor": "left", "yanchor": "top",
    }]
    return {"data": data, "layout": layout}


def question_figures(cells: pd.DataFrame | None, where: str, estimate: str,
                     respondents: str, withheld: str, night: str) -> list[dict[str, Any]]:
    """The charts of one geography's other questions, one per family, in the
    questionnaire's order: `kind`, `title` (the heading), `howto` (how to read it) and
    `spec` (the figure). `cells` is `prepare`d."""
    if cells is None or cells.empty:
        return []
    specs = []
    for block, block_cells in cells.groupby("block", sort=False):
        wording = block_wording(str(block), str(block_cells["block_fr"].iloc[0]))
        interval = ("sans intervalle publié" if block == USAGE
                    else "sous chaque part, intervalle de confiance à 95 % (Wilson)")
        specs.append({
            "kind": f"questions-{block}",
            "title": wording["title"],
            "howto": wording["howto"],
            "spec": share_heatmap(
                block_cells,
                title=f"{wording['title']} — {where}",
                subtitle=wording["subtitle"],
                label_width=32 if block == USAGE else 40,
                source=f"Source : enquête citoyenne, {respondents} répondants ; {estimate} ; "
                       f"{interval} ; hachuré : {withheld} ou masqué (secret "
                       f"complémentaire) ; gris « — » : aucune réponse dans le groupe. "
                       f"Données arrêtées au {night}."),
        })
    return specs
