"""When the survey ran, and how satisfaction moved between its rounds.

Managers ask two things the rest of the report does not answer: *when* the fieldwork took
place (the period, on every page), and *whether* satisfaction and trust moved since the
baseline (a chart for the region and each province). Both come from the published marts
only: `mart_fieldwork` for the period, and `mart_survey_indicators` by survey round for the
trend. Figures by round are published for provinces and the region, unweighted (a weighted
figure by round would tie the communes' unpublished figures by round with public weights:
docs/methodology.md §5), so the chart says so; a masked figure reads "masqué" at its place.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from citizen_metrics.publish.report import text
from citizen_metrics.publish.report.charts import BLUE, GREY, ORANGE, Figure, _layout, _wrap
from citizen_metrics.settings import SURVEY_ROUND
from citizen_metrics.tables.marts import MART_FIELDWORK, MART_SURVEY_INDICATORS

ALL_ROUNDS = "all"
# The groups a manager can pick in the trend chart: the total and each dimension alone that
# the marts cross with the round (`build.runner.ROUND_DIMENSIONS`).
TREND_BREAKDOWNS = ("total", "sex", "age_group", "disability", "residence")
ROUND_COLOURS = (GREY, BLUE, ORANGE, "#2e7d32", "#6a1b9a")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")

FIELDWORK_SQL = f"""
    select f.geography_level, f.geography_code, f.survey_round,
           coalesce(l.label_fr, f.survey_round) as round_fr,
           f.first_interview_day, f.last_interview_day, f.n_respondents
    from {MART_FIELDWORK.name} f
    left join label_groups l on l.breakdown = '{SURVEY_ROUND}' and l.group_key = f.survey_round
    order by f.geography_level, f.geography_code, f.survey_round = '{ALL_ROUNDS}' desc,
             f.survey_round = 'unknown', f.survey_round
"""

# One row per province or region × indicator × group × round, the group's figure by round
# as published (unweighted); the pair breakdowns `<dimension>,survey_round` hold the groups.
TREND_SQL = f"""
    with rounds as (
        select group_key as survey_round, label_fr as round_fr, sort_order
        from label_groups where breakdown = '{SURVEY_ROUND}' and group_key <> 'unknown'
    ),
    groups as (
        select breakdown, group_key, label_fr as group_fr, sort_order from label_groups
        where breakdown in ({", ".join(f"'{b}'" for b in TREND_BREAKDOWNS)})
          and group_key <> 'unknown' and not comparison_only
    ),
    indicators as (
        select indicator, short_fr as indicator_fr, sort_order from label_indicators
        where family = 'survey'
    ),
    figures as (
        select geography_level, geography_code, indicator,
               case when breakdown = '{SURVEY_ROUND}' then 'total'
                    else split_part(breakdown, ',', 1) end as breakdown,
               case when breakdown = '{SURVEY_ROUND}' then 'all'
                    else split_part(group_key, ',', 1) end as group_key,
               case when breakdown = '{SURVEY_ROUND}' then group_key
                    else split_part(group_key, ',', 2) end as survey_round,
               n_rated, satisfied_share, ci_low, ci_high, suppressed
        from {MART_SURVEY_INDICATORS.name}
        where geography_level <> 'commune' and estimate_type = 'unweighted'
          and (breakdown = '{SURVEY_ROUND}'
               or (breakdown like '%,{SURVEY_ROUND}' and breakdown not like '%commune_type%'))
    )
    select f.geography_level, f.geography_code, f.indicator, i.indicator_fr,
           f.breakdown, f.group_key, g.group_fr, f.survey_round, r.round_fr,
           f.n_rated, f.satisfied_share, f.ci_low, f.ci_high, f.suppressed
    from figures f
    join rounds r using (survey_round)
    join groups g using (breakdown, group_key)
    join indicators i using (indicator)
    order by f.geography_level, f.geography_code, g.sort_order, i.sort_order, r.sort_order
"""


def load_fieldwork(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(FIELDWORK_SQL).df()


def load_trend(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(TREND_SQL).df()


def long_date(day: object) -> str:
    """`10 janvier 2022`."""
    if day is None or pd.isna(day):
        return "date inconnue"
    moment = pd.Timestamp(day).date() if not isinstance(day, date) else day
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def period_text(rows: pd.DataFrame) -> str | None:
    """One geography's fieldwork in a sentence: the whole period, then each round (for a
    province or the region). None without any response."""
    if rows.empty:
        return None
    whole = rows[rows["survey_round"] == ALL_ROUNDS]
    if whole.empty or not whole["n_respondents"].iloc[0]:
        return None
    first = whole.iloc[0]
    sentence = (f"Enquête menée du {long_date(first.first_interview_day)} au "
                f"{long_date(first.last_interview_day)} "
                f"({text.integer(first.n_respondents)} réponses)")
    rounds = rows[(rows["survey_round"] != ALL_ROUNDS) & (rows["survey_round"] != "unknown")]
    if len(rounds):
        parts = [f"{r.round_fr} : du {long_date(r.first_interview_day)} au "
                 f"{long_date(r.last_interview_day)} ({text.integer(r.n_respondents)} "
                 f"réponses)" for r in rounds.itertuples()]
        sentence += " — " + " ; ".join(parts)
    return sentence + "."


def periods(fieldwork: pd.DataFrame) -> dict[str, str]:
    """Each geography's period sentence, by geography code."""
    return {code: sentence
            for code, rows in fieldwork.groupby("geography_code", sort=False)
            if (sentence := period_text(rows)) is not None}


def trend_chart(rows: pd.DataFrame, title: str, subtitle: str, source: str,
                withheld_label: str) -> Figure | None:
    """Satisfied share by indicator, one marker per round with its 95 % interval, for one
    group at a time (a menu picks the group: the total, women, men, youth…). A masked figure
    reads "masqué" at its place. None when fewer than two rounds have a figure published
    here: nothing to compare (a round resting on a handful of people is never published,
    reason `single_round`, and a chart of "masqué" beside one round would say nothing)."""
    rounds = list(dict.fromkeys(rows["survey_round"]))
    if rows.loc[~rows["suppressed"].astype(bool), "survey_round"].nunique() < 2:
        return None
    round_names = dict(zip(rows["survey_round"], rows["round_fr"], strict=False))
    indicators = list(dict.fromkeys(rows["indicator_fr"]))
    position = {name: index for index, name in enumerate(indicators)}
    groups = list(dict.fromkeys(zip(rows["breakdown"], rows["group_key"], rows["group_fr"],
                                    strict=True)))
    step = 0.6 / max(len(rounds) - 1, 1)
    offsets = {r: -0.3 + step * i for i, r in enumerate(rounds)}
    records = rows.to_dict("records")
    data: list[dict[str, Any]] = []
    visibility: list[list[int]] = []
    for group_index, (breakdown, group_key, _) in enumerate(groups):
        mine = [r for r in records if r["breakdown"] == breakdown and r["group_key"] == group_key]
        for round_index, survey_round in enumerate(rounds):
            colour = ROUND_COLOURS[round_index % len(ROUND_COLOURS)]
            points = [r for r in mine if r["survey_round"] == survey_round]
            shown = [r for r in points if not r["suppressed"]
                     and not pd.isna(r["satisfied_share"])]
            masked = [r for r in points if r["suppressed"]]
            y_shown = [position[r["indicator_fr"]] + offsets[survey_round] for r in shown]
            data.append({
                "type": "scatter", "mode": "markers", "name": round_names[survey_round],
                "legendgroup": survey_round, "showlegend": group_index == 0,
                "visible": group_index == 0,
                "meta": {"breakdown": breakdown, "group_key": group_key,
                         "survey_round": survey_round},
                "x": [text.rounded_percent(r["satisfied_share"], 1) for r in shown],
                "y": y_shown,
                "error_x": {"type": "data", "symmetric": False,
                            "array": [round((r["ci_high"] - r["satisfied_share"]) * 100, 1)
                                      for r in shown],
                            "arrayminus": [round((r["satisfied_share"] - r["ci_low"]) * 100, 1)
                                           for r in shown],
                            "color": colour, "thickness": 1.5, "width": 3},
                "marker": {"color": colour, "size": 9},
                "customdata": [
                    f"<b>{r['indicator_fr']}</b> — {r['group_fr']}<br>"
                    f"{round_names[survey_round]} : {text.percent(r['satisfied_share'], 1)} "
                    f"(IC 95 % : {text.percent(r['ci_low'], 1)} à "
                    f"{text.percent(r['ci_high'], 1)} ; {text.integer(r['n_rated'])} notes)"
                    for r in shown
                ],
                "hovertemplate": "%{customdata}<extra></extra>",
            })
            data.append({
                "type": "scatter", "mode": "text", "name": withheld_label,
                "legendgroup": survey_round, "showlegend": False,
                "visible": group_index == 0,
                "meta": {"breakdown": breakdown, "group_key": group_key,
                         "survey_round": survey_round, "masked": True},
                "x": [3] * len(masked),
                "y": [position[r["indicator_fr"]] + offsets[survey_round] for r in masked],
                "text": ["masqué"] * len(masked), "textposition": "middle right",
                "textfont": {"size": 10, "color": colour},
                "customdata": [r["indicator_fr"] for r in masked],
                "hovertext": [f"{r['indicator_fr']} — {round_names[survey_round]} : "
                              f"{withheld_label}" for r in masked],
                "hoverinfo": "text",
            })
        visibility.append([group_index] * 2 * len(rounds))
    flat = [index for block in visibility for index in block]
    buttons = [
        {"label": label, "method": "update",
         "args": [{"visible": [owner == index for owner in flat]}]}
        for index, (_, _, label) in enumerate(groups)
    ]
    height = 150 + 30 * len(indicators) + 90
    layout = _layout(title, subtitle, source, height=height, bottom=90)
    layout["margin"]["t"] = 120
    layout["showlegend"] = True
    layout["legend"] = {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom",
                        "xanchor": "left", "font": {"size": 11}}
    layout["updatemenus"] = [{
        "type": "dropdown", "buttons": buttons, "active": 0, "x": 1.0, "xanchor": "right",
        "y": 1.0, "yanchor": "bottom", "showactive": True, "font": {"size": 11},
    }]
    layout["xaxis"] = {"range": [0, 100], "ticksuffix": f"{text.NNBSP}%",
                       "gridcolor": "#eeeeee",
                       "title": {"text": "part de satisfaits (%)", "font": {"size": 11}}}
    layout["yaxis"] = {"tickmode": "array",
                       "tickvals": list(range(len(indicators))),
                       "ticktext": [_wrap(name, 32) for name in indicators],
                       "ticksuffix": "  ", "zeroline": False, "showgrid": False,
                       "range": [len(indicators) - 0.5, -0.5]}
    return {"data": data, "layout": layout}
