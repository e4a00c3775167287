"""The report's charts, as Plotly figure specifications (plain dicts, JSON-ready).

Plain dicts rather than `plotly.graph_objects`: the report draws about 140 figures and
building and validating a `go.Figure` costs ~10 ms each, most of the report's time budget;
a test validates one figure of each kind with `go.Figure` so the specifications stay
correct. Notebooks wrap them with `go.Figure(spec)` to show them.

Every figure has a title, axis titles with units and a source line inside the figure (so a
PNG downloaded for a slide keeps it). A suppressed figure (`suppressed`) is drawn as suppressed:
a hatched cell, or the word "masqué" in its row, never as a zero or an empty cell; a group
without any answer reads "—" on grey, which is not the same thing.
"""

from __future__ import annotations

import base64
import textwrap
from typing import Any

import numpy as np
import pandas as pd

from citizen_metrics.publish.report import text

Figure = dict[str, Any]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
GREY = "#6b6b6b"
LIGHT_GREY = "#e6e6e6"
BLUE = "#1f5f99"
ORANGE = "#c4540c"
GREEN = "#2e7d32"
SATISFACTION_SCALE = [[0.0, "#f7fbff"], [0.25, "#c6dbef"], [0.5, "#6baed6"],
                      [0.75, "#2171b5"], [1.0, "#08306b"]]
# Hatching behind the heatmap cells: a suppressed cell has no colour, so the hatching shows.
HATCH_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800">'
    '<defs><pattern id="h" width="10" height="10" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="10" height="10" fill="#ffffff"/>'
    '<line x1="0" y1="0" x2="0" y2="10" stroke="#9a9a9a" stroke-width="3"/></pattern></defs>'
    '<rect width="800" height="800" fill="url(#h)"/></svg>'
)
HATCH_IMAGE = "data:image/svg+xml;base64," + base64.b64encode(HATCH_SVG.encode()).decode()
# Margins: the row labels (services, shares) on the left, the heatmap's colour bar on the
# right; the narrowest heatmap column that holds "masqué" (about 36 px at 10 px) or a
# group's name (wrapped at 10 characters, 11 px) with room on both sides.
LABELS_LEFT = 210
COLOUR_BAR_RIGHT = 90
HEATMAP_COLUMN_MIN_WIDTH = 56
TARGET_TEXT_RIGHT = 140
# A source line of 120 characters at 10 px is at most about 650 px wide (wide letters and
# accents included): it fits the printable width of an A4 portrait page (700 px).
SOURCE_LINE_CHARACTERS = 120


def _wrap(label: str, width: int = 14) -> str:
    """Axis labels on two or three lines (Plotly breaks lines with <br>)."""
    return "<br>".join(textwrap.wrap(label, width=width, break_long_words=False)) or label


def _layout(title: str, subtitle: str, source: str, height: int, bottom: int,
            left: int = LABELS_LEFT) -> dict[str, Any]:
    return {
        "title": {"text": f"<b>{title}</b>",
                  "subtitle": {"text": subtitle, "font": {"size": 12, "color": GREY}},
                  "x": 0, "xanchor": "left", "xref": "container", "pad": {"l": 12},
                  "y": 1 - 22 / height, "yanchor": "top", "yref": "container",
                  "font": {"size": 16}},
        "font": {"family": FONT, "size": 12, "color": "#222222"},
        "separators": f",{text.NNBSP}",
        "height": height,
        "margin": {"l": left, "r": 30, "t": 80, "b": bottom, "autoexpand": False},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hoverlabel": {"align": "left", "font": {"family": FONT}},
        "annotations": [_source(source, bottom, left)],
        "showlegend": False,
    }


def _source(source: str, bottom: int, left: int) -> dict[str, Any]:
    """The source line, in the bottom-left corner of the figure, inside its margins: a fixed
    number of pixels from the plot area whatever the figure's size (margins are fixed, no
    automargin, so that the corner is known)."""
    return {
        "text": "<br>".join(textwrap.wrap(source, width=SOURCE_LINE_CHARACTERS)),
        "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left",
        "yanchor": "bottom", "xshift": -(left - 12), "yshift": -(bottom - 6),
        "showarrow": False, "align": "left", "font": {"size": 10, "color": GREY},
    }


def satisfaction_heatmap(cells: pd.DataFrame, title: str, subtitle: str,
                         source: str) -> Figure:
    """Share of satisfied respondents (score 4 or 5) per service (rows) and group (columns).

    `cells` holds one geography's rows in display order: every indicator (the services
    first, `is_service`) × every group (`indicator_fr`, `breakdown_fr`, `group_fr`,
    `satisfied_share`, `ci_low`, `ci_high`, `n_rated`, `suppressed` with its reason
    `withheld_fr`, `missing`).
    """
    indicators = [_wrap(label, 32) for label in dict.fromkeys(cells["indicator_fr"])]
    group_keys = list(dict.fromkeys(zip(cells["breakdown"], cells["group_key"], strict=True)))
    shape = (len(indicators), len(group_keys))
    groups = cells.drop_duplicates(["breakdown", "group_key"])
    x = [[_wrap(label, 12) for label in groups["breakdown_fr"]],
         [_wrap(label, 10) for label in groups["group_fr"]]]
    suppressed = cells["suppressed"].to_numpy(bool).reshape(shape)
    missing = cells["missing"].to_numpy(bool).reshape(shape)
    shown = ~suppressed & ~missing
    share = cells["satisfied_share"].to_numpy(float).reshape(shape)
    z = np.array([[text.rounded_percent(value, 1) if ok else np.nan
                   for value, ok in zip(row, ok_row, strict=True)]
                  for row, ok_row in zip(share, shown, strict=True)], dtype=float)
    labels = [[text.percent(v) if ok else "" for v, ok in zip(row, ok_row, strict=True)]
              for row, ok_row in zip(share, shown, strict=True)]
    hover = [
        f"<b>{r['indicator_long_fr']}</b><br>{r['breakdown_fr']} : {r['group_fr']}<br>"
        f"Satisfaits : {text.percent(r['satisfied_share'])} "
        f"(IC 95 % : {text.percent(r['ci_low'])} à {text.percent(r['ci_high'])})<br>"
        f"{text.integer(r['n_rated'])} notes de 1 à 5"
        for r in cells[["indicator_long_fr", "breakdown_fr", "group_fr", "satisfied_share",
                        "ci_low", "ci_high", "n_rated"]].to_dict("records")
    ]
    hover_grid = np.array(hover, dtype=object).reshape(shape)
    reasons = cells["withheld_fr"].to_numpy(object).reshape(shape)
    rows, columns = np.nonzero(suppressed)
    empty_rows, empty_columns = np.nonzero(missing)
    data: list[dict[str, Any]] = [
        {
            "type": "heatmap", "name": "Part de satisfaits",
            "x": x, "y": indicators, "z": _nullable(z),
            "text": labels, "texttemplate": "%{text}", "textfont": {"size": 11},
            "customdata": np.where(shown, hover_grid, "").tolist(),
            "hovertemplate": "%{customdata}<extra></extra>",
            "zmin": 0, "zmax": 100, "colorscale": SATISFACTION_SCALE,
            "xgap": 2, "ygap": 2, "hoverongaps": False,
            # At the plot's right edge plus a fixed gap, not at Plotly's default 1.02 of
            # the plot's width: on a wide screen that moved the bar, its ticks and its
            # title out of the fixed right margin, and the title was cut.
            "colorbar": {"title": {"text": "Satisfaits (%)", "side": "right"},
                         "ticksuffix": " %", "thickness": 12, "len": 0.8,
                         "x": 1, "xanchor": "left", "xpad": 8},
        },
        {
            # groups without any answer: grey, "—"
            "type": "heatmap", "name": "aucune réponse",
            "x": x, "y": indicators,
            "z": _nullable(np.where(missing, 0.0, np.nan)),
            "colorscale": [[0, LIGHT_GREY], [1, LIGHT_GREY]], "showscale": False,
            "xgap": 2, "ygap": 2, "hoverinfo": "skip", "hoverongaps": False,
        },
        _text_marks(x, indicators, rows, columns, "masqué",
                    [str(reasons[r, c]) for r, c in zip(rows, columns, strict=True)]),
        _text_marks(x, indicators, empty_rows, empty_columns, "—",
                    ["aucune réponse dans ce groupe"] * len(empty_rows)),
    ]
    layout = _layout(title, subtitle, source, height=80 + 34 * len(indicators) + 195,
                     bottom=195)
    layout["margin"]["r"] = COLOUR_BAR_RIGHT  # the colour bar
    # Narrower than this, the word "masqué" of neighbouring cells runs together: the page
    # lets the figure scroll rather than draw it narrower (`meta` is free for such notes).
    layout["meta"] = {"min_width": LABELS_LEFT + COLOUR_BAR_RIGHT
                      + HEATMAP_COLUMN_MIN_WIDTH * len(group_keys)}
    layout["xaxis"] = {"type": "multicategory", "side": "bottom", "tickfont": {"size": 11},
                       "tickangle": 0, "automargin": False,
                       "title": {"text": "Groupe de répondants", "standoff": 8}}
    services = int(cells.drop_duplicates("indicator")["is_service"].sum())
    if 0 < services < len(indicators):
        # a line between the services and the overall scores (overall satisfaction, trust)
        layout["shapes"] = [{"type": "line", "xref": "x domain", "x0": 0, "x1": 1,
                             "yref": "y", "y0": services - 0.5, "y1": services - 0.5,
                             "line": {"color": "#222222", "width": 2}}]
    layout["yaxis"] = {"autorange": "reversed", "ticksuffix": "  ", "automargin": False,
                       "title": {"text": ""}}
    layout["images"] = [{
        "source": HATCH_IMAGE, "xref": "x domain", "yref": "y domain", "x": 0, "y": 1,
        "sizex": 1, "sizey": 1, "sizing": "stretch", "layer": "below",
        "xanchor": "left", "yanchor": "top",
    }]
    return {"data": data, "layout": layout}


def _nullable(values: np.ndarray) -> list:
    """A NumPy array as nested lists with NaN → None (JSON null: no value)."""
    return pd.DataFrame(values).astype(object).where(~np.isnan(values), None).values.tolist()


def _text_marks(x: list[list[str]], y: list[str], rows: np.ndarray, columns: np.ndarray,
                mark: str, hover: list[str]) -> dict[str, Any]:
    """Words written in chosen cells of a heatmap (suppressed, no answer)."""
    return {
        "type": "scatter", "mode": "text", "name": mark,
        "x": [[x[0][c] for c in columns], [x[1][c] for c in columns]],
        "y": [y[r] for r in rows],
        "text": [mark] * len(rows),
        "textfont": {"size": 10, "color": "#404040"},
        "hovertext": hover, "hoverinfo": "text",
    }


def equity_dots(gaps: pd.DataFrame, title: str, subtitle: str, source: str,
                withheld_label: str) -> Figure:
    """Gaps in satisfied share (group A − group B, percentage points) per indicator, one
    panel per dimension, with 95 % Newcombe intervals; significant gaps filled.

    `gaps` holds one geography's rows: every dimension × every indicator, in order, with
    `shown` (a published gap), `suppressed` and `missing_only` (no gap row at all).
    """
    records = gaps.to_dict("records")  # a few dozen rows: plain dicts are the fastest
    for record in records:
        record["indicator_fr"] = _wrap(record["indicator_fr"], 32)
    dimensions = list(dict.fromkeys(r["dimension"] for r in records))
    indicators = list(dict.fromkeys(r["indicator_fr"] for r in records))
    panels = len(dimensions)
    gutter = 0.03
    width = (1 - gutter * (panels - 1)) / max(panels, 1)
    data: list[dict[str, Any]] = []
    layout = _layout(title, subtitle, source, height=120 + 28 * len(indicators) + 130,
                     bottom=130)
    layout["margin"]["t"] = 120
    bounds = [abs(r[k]) for r in records if r["shown"] for k in ("ci_low", "ci_high")]
    limit = float(min(100, np.ceil(max(bounds, default=0.1) * 100 / 10) * 10 + 5))
    for index, dimension in enumerate(dimensions):
        axis = "" if index == 0 else str(index + 1)
        rows = [r for r in records if r["dimension"] == dimension]
        for significant, colour, symbol, name in (
            (True, ORANGE, "circle", "Écart significatif (IC 95 % excluant 0)"),
            (False, GREY, "circle-open", "Écart non significatif"),
        ):
            points = [r for r in rows if r["shown"] and bool(r["significant"]) == significant]
            data.append({
                "type": "scatter", "mode": "markers", "name": name,
                "xaxis": f"x{axis}", "yaxis": "y",
                "x": [round(r["gap"] * 100, 2) for r in points],
                "y": [r["indicator_fr"] for r in points],
                "error_x": {"type": "data", "symmetric": False,
                            "array": [round((r["ci_high"] - r["gap"]) * 100, 2)
                                      for r in points],
                            "arrayminus": [round((r["gap"] - r["ci_low"]) * 100, 2)
                                           for r in points],
                            "color": colour, "thickness": 1.5, "width": 3},
                "marker": {"color": colour, "symbol": symbol, "size": 9,
                           "line": {"color": colour, "width": 2}},
                "customdata": [
                    f"<b>{r['indicator_fr']}</b><br>{r['group_a_fr']} − {r['group_b_fr']} : "
                    f"{text.points(r['gap'])}<br>IC 95 % : {text.points(r['ci_low'])} à "
                    f"{text.points(r['ci_high'])}<br>{r['group_a_fr']} : "
                    f"{text.percent(r['share_a'])} ({text.integer(r['n_a'])} notes) ; "
                    f"{r['group_b_fr']} : {text.percent(r['share_b'])} "
                    f"({text.integer(r['n_b'])} notes)"
                    for r in points
                ],
                "hovertemplate": "%{customdata}<extra></extra>",
            })
        for key, mark, hover in (("suppressed", "masqué", withheld_label),
                                 ("missing_only", "—",
                                  "pas d'écart : un des groupes n'a pas répondu")):
            marked = [r["indicator_fr"] for r in rows if r[key]]
            data.append({
                "type": "scatter", "mode": "text", "name": hover,
                "xaxis": f"x{axis}", "yaxis": "y",
                "x": [0] * len(marked), "y": marked, "text": [mark] * len(marked),
                "textfont": {"size": 10, "color": "#404040"},
                "hovertext": [hover] * len(marked), "hoverinfo": "text",
            })
        start = index * (width + gutter)
        layout[f"xaxis{axis}"] = {
            "domain": [start, start + width], "range": [-limit, limit],
            "zeroline": True, "zerolinecolor": "#888888", "zerolinewidth": 1,
            "gridcolor": "#eeeeee",
            "title": {"text": "écart (points de %)", "font": {"size": 11}},
        }
        layout["annotations"].append({
            "text": f"<b>{_wrap(_panel_title(rows), 22)}</b>", "xref": f"x{axis} domain",
            "yref": "paper", "x": 0.5, "y": 1.0, "yanchor": "bottom", "showarrow": False,
            "font": {"size": 12},
        })
    layout["yaxis"] = {"autorange": "reversed", "automargin": False, "ticksuffix": "  ",
                       "gridcolor": "#f3f3f3", "type": "category",
                       "categoryorder": "array", "categoryarray": indicators}
    return {"data": data, "layout": layout}


def _panel_title(rows: list[dict[str, Any]]) -> str:
    """`Femme − Homme`: the two groups compared, or the dimension's name when no gap of
    the dimension exists."""
    for row in rows:
        if isinstance(row["group_a_fr"], str) and isinstance(row["group_b_fr"], str):
            return f"{_short_group(row['group_a_fr'])} − {_short_group(row['group_b_fr'])}"
    return str(rows[0]["dimension_fr"]) if rows else ""


def _short_group(label: str) -> str:
    return label.split(" (")[0]


def targets_bars(targets: pd.DataFrame, title: str, subtitle: str, source: str) -> Figure:
    """Participation shares among attendances against their targets: one bar per share,
    green when the target is met, orange when not, the target as a black tick."""
    shown = ~targets["suppressed"] & ~targets["missing"]
    labels = [_wrap(label, 26) for label in targets["indicator_fr"]]
    published = targets[shown]
    published_labels = [label for label, ok in zip(labels, shown, strict=True) if ok]
    data: list[dict[str, Any]] = [
        {
            "type": "bar", "orientation": "h", "name": "Part réalisée",
            "x": (published["actual"] * 100).round(2).tolist(), "y": published_labels,
            "marker": {"color": [GREEN if met else ORANGE for met in published["met"]]},
            "text": [f"{text.percent(a, 1)} — {'cible atteinte' if met else 'cible non atteinte'}"
                     for a, met in zip(published["actual"], published["met"], strict=True)],
            "textposition": "outside", "cliponaxis": False,
            "hovertemplate": "%{y} : %{x:.1f} %<extra></extra>",
        },
        {
            "type": "scatter", "mode": "markers", "name": "Cible",
            "x": (targets["target"] * 100).round(2).tolist(), "y": labels,
            "marker": {"symbol": "line-ns", "size": 26,
                       "line": {"color": "#111111", "width": 3}},
            "hovertemplate": "cible : %{x:.0f} %<extra></extra>",
        },
    ]
    marks = np.where(targets["suppressed"], targets["withheld_fr"].fillna("masqué"),
                     "aucune présence enregistrée")
    for name, mask in (("masqué", targets["suppressed"].to_numpy(bool)),
                       ("aucune présence", (targets["missing"] & ~targets["suppressed"])
                        .to_numpy(bool))):
        data.append({
            "type": "scatter", "mode": "text", "name": name,
            "x": [1] * int(mask.sum()),
            "y": [label for label, flag in zip(labels, mask, strict=True) if flag],
            "text": [str(m) for m in marks[mask]], "textposition": "middle right",
            "textfont": {"size": 11, "color": "#404040"}, "hoverinfo": "skip",
        })
    layout = _layout(title, subtitle, source, height=110 + 55 * len(labels) + 110, bottom=110)
    # room for the text after a full bar ("100,0 % — cible atteinte"), which would run past
    # the figure's edge on a narrow page
    layout["margin"]["r"] = TARGET_TEXT_RIGHT
    layout["xaxis"] = {"range": [0, 105], "ticksuffix": " %", "gridcolor": "#eeeeee",
                       "title": {"text": "part des présences aux ateliers (%)"}}
    layout["yaxis"] = {"autorange": "reversed", "automargin": False, "ticksuffix": "  ",
                       "type": "category"}
    layout["bargap"] = 0.45
    return {"data": data, "layout": layout}


def dispositions_bars(files: pd.DataFrame, disposition_labels: dict[str, str], title: str,
                      subtitle: str, source: str) -> Figure:
    """Rows of each loaded file by what became of them (stacked), to see at a glance
    which file brought duplicates or quarantined rows."""
    loaded = files[files["status"] == "loaded"]
    names = [f"{name} ({sheet})" if sheet else name
             for name, sheet in zip(loaded["source_file"], loaded["sheet"].fillna(""),
                                    strict=True)]
    colours = {"accepted": "#2e7d32", "duplicate": "#9e9e9e", "superseded": "#bdbdbd",
               "excluded_no_consent": "#6a51a3", "quarantined": "#c62828"}
    data = [
        {
            "type": "bar", "orientation": "h", "name": disposition_labels.get(d, d),
            "x": loaded[d].astype(int).tolist(), "y": names,
            "marker": {"color": colours.get(d, GREY)},
            "hovertemplate": "%{y}<br>" + disposition_labels.get(d, d)
                             + " : %{x:,} lignes<extra></extra>",
        }
        for d in ("accepted", "duplicate", "superseded", "excluded_no_consent", "quarantined")
    ]
    layout = _layout(title, subtitle, source, height=160 + 20 * len(names) + 120, bottom=120,
                     left=20 + 6 * max((len(n) for n in names), default=10))
    layout["barmode"] = "stack"
    layout["margin"]["t"] = 160
    layout["showlegend"] = True
    layout["legend"] = {"orientation": "h", "x": 0, "y": 1.005, "yanchor": "bottom",
                        "font": {"size": 11}, "traceorder": "normal"}
    layout["xaxis"] = {"title": {"text": "lignes lues (nombre)"}, "gridcolor": "#eeeeee",
                       "tickformat": ",d"}
    layout["yaxis"] = {"autorange": "reversed", "automargin": False, "type": "category",
                       "tickfont": {"size": 10}}
    return {"data": data, "layout": layout}


def count_bars(labels: list[str], counts: list[int], hover: list[str], title: str,
               subtitle: str, source: str, axis_title: str, colour: str = BLUE) -> Figure:
    """A horizontal bar per category with its count (quarantine rules, flags)."""
    data = [{
        "type": "bar", "orientation": "h", "x": counts, "y": labels,
        "text": [text.integer(c) for c in counts], "textposition": "outside",
        "cliponaxis": False, "marker": {"color": colour},
        "customdata": hover, "hovertemplate": "%{customdata}<extra></extra>",
    }]
    layout = _layout(title, subtitle, source, height=130 + 32 * max(len(labels), 1) + 100,
                     bottom=100, left=30 + 7 * max((len(label) for label in labels), default=10))
    layout["xaxis"] = {"title": {"text": axis_title}, "gridcolor": "#eeeeee",
                       "tickformat": ",d", "rangemode": "tozero"}
    layout["yaxis"] = {"autorange": "reversed", "automargin": False, "type": "category",
                       "ticksuffix": "  "}
    return {"data": data, "layout": layout}
