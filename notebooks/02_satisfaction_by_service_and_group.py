# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Satisfaction par service et par groupe, dans un territoire
#
# **Question :** dans un territoire, quelle part des répondants est satisfaite de chaque
# service, et cette part diffère-t-elle entre femmes et hommes, entre tranches d'âge, entre
# personnes en situation de handicap ou non, entre ruraux et urbains ?
#
# Choisissez le territoire dans la cellule suivante : une commune (9 chiffres, par exemple
# `050910101` pour Béni Mellal), une province (5 chiffres, par exemple `05091`) ou la région
# (`05`). Les chiffres des provinces et de la région sont pondérés (chaque réponse pèse la
# population de sa commune divisée par son nombre de réponses) ; ceux d'une commune sont
# les mêmes avec ou sans pondération.

# %% tags=["parameters"]
GEOGRAPHY_CODE = "05091"

# %%
import textwrap

import plotly.graph_objects as go

from citizen_metrics.publish.access import open_marts

con = open_marts()
# French percentages for the tables: 0.4545 → "45,5" (half away from zero, on the decimal
# value published, not on its binary approximation)
con.execute(
    "create temp macro pourcent(share) as "
    "replace(printf('%.1f', round(100 * share::decimal(18, 6), 1)), '.', ',')"
)
place = con.execute(
    """
    select g.level_fr, g.name_fr, g.name_ar, max(m.n_respondents) as n_respondents
    from label_geographies g
    left join mart_survey_indicators m
           on m.geography_level = g.geography_level and m.geography_code = g.geography_code
          and m.breakdown = 'total'
    where g.geography_code = $code
    group by all
    """,
    {"code": GEOGRAPHY_CODE},
).df()
if place.empty:
    raise ValueError(f"{GEOGRAPHY_CODE} n'est le code d'aucun territoire de label_geographies")
place = place.iloc[0]
f"{place.level_fr} {place.name_fr} ({place.name_ar}) : {place.n_respondents} répondants"

# %% [markdown]
# ## Part des satisfaits par service et par groupe
# Chaque case donne la part des notes 4 ou 5 parmi les notes de 1 à 5 du groupe (survolez
# une case pour son intervalle de confiance à 95 % et son nombre de notes).
# **masqué** (case grise) : chiffre non publié (secret statistique), parce qu'il repose sur
# trop peu de personnes du groupe, ou parce qu'il permettrait de retrouver un tel chiffre ;
# ce n'est pas un zéro. **—** (case blanche) : personne du groupe n'a noté ce service.

# %%
cells = con.execute(
    """
    with place as (
        select geography_level, geography_code from label_geographies
        where geography_code = $code
    ),
    indicators as (
        select indicator, short_fr, sort_order from label_indicators where family = 'survey'
    ),
    groups as (
        -- the whole population and each dimension alone (no pairs, no unknown group)
        select breakdown, group_key, label_fr, sort_order from label_groups
        where breakdown in ('total', 'sex', 'age_group', 'disability', 'residence')
          and group_key <> 'unknown' and not comparison_only
    )
    select i.short_fr as service, s.label_fr as "group", m.satisfied_share, m.ci_low,
           m.ci_high, coalesce(m.n_rated, 0) as n_rated,
           coalesce(m.suppressed, false) as suppressed, r.label_fr as suppression_fr,
           case when m.suppressed then 'masqué'
                when m.satisfied_share is null then '—'
                else pourcent(m.satisfied_share) end as shown
    from place p
    cross join indicators i
    cross join groups s
    -- a province or the region is read weighted, a commune unweighted (the same there)
    left join mart_survey_indicators m
           on m.geography_level = p.geography_level and m.geography_code = p.geography_code
          and m.indicator = i.indicator and m.breakdown = s.breakdown
          and m.group_key = s.group_key
          and m.estimate_type = case when p.geography_level = 'commune' then 'unweighted'
                                     else 'weighted' end
    left join label_codes r on r.code_list = 'suppression' and r.code = m.suppression
    order by i.sort_order, s.sort_order
    """,
    {"code": GEOGRAPHY_CODE},
).df()
services = list(dict.fromkeys(cells["service"]))
groups = list(dict.fromkeys(cells["group"]))


def grid(column: str):
    """One value per service (rows) and group (columns), in the order of the labels."""
    return (cells.pivot(index="service", columns="group", values=column)
            .loc[services, groups].rename_axis(index="Service", columns="Groupe"))


withheld = cells[cells["suppressed"]]
figure = go.Figure()
figure.add_heatmap(
    x=groups, y=services, z=grid("satisfied_share") * 100, zmin=0, zmax=100,
    colorscale="Blues", colorbar={"title": {"text": "satisfaits"}, "ticksuffix": " %"},
    text=grid("shown").where(grid("satisfied_share").notna(), ""), texttemplate="%{text}",
    hoverongaps=False, xgap=2, ygap=2,
    customdata=grid("n_rated"), name="part de satisfaits",
    hovertemplate="%{y}, %{x} : %{z:.0f} % de satisfaits<br>%{customdata} notes"
                  "<extra></extra>",
)
# Withheld cells: grey, with the word "masqué" where the figure would be.
figure.add_heatmap(
    x=groups, y=services, z=grid("suppressed").where(grid("suppressed")).astype(float),
    colorscale=[[0, "#d9d9d9"], [1, "#d9d9d9"]], showscale=False, hoverongaps=False,
    xgap=2, ygap=2, hoverinfo="skip", name="masqué",
)
figure.add_scatter(
    x=withheld["group"], y=withheld["service"], mode="text",
    text=["masqué"] * len(withheld), textfont={"size": 11, "color": "#404040"},
    hovertext=withheld["suppression_fr"], hoverinfo="text",
    name="masqué : non publié (secret statistique)",
)
unrated = cells[~cells["suppressed"] & cells["satisfied_share"].isna()]
figure.add_scatter(
    x=unrated["group"], y=unrated["service"], mode="text", text=["—"] * len(unrated),
    textfont={"color": "#6b6b6b"}, hoverinfo="skip",
    name="— : personne du groupe n'a noté ce service",
)
figure.update_layout(
    title={"text": f"Satisfaction par service et par groupe, {place.name_fr}",
           "subtitle": {"text": "Part des notes 4 ou 5 parmi les notes de 1 à 5 (%) ; "
                                f"enquête citoyenne, {place.n_respondents} répondants"}},
    # group labels on two or three lines, so that they fit above their column
    xaxis={"title": "groupe de répondants", "side": "top", "tickangle": 0,
           "tickfont": {"size": 11}, "tickvals": groups,
           "ticktext": ["<br>".join(textwrap.wrap(group, 10)) for group in groups]},
    yaxis={"autorange": "reversed", "title": ""},
    separators=", ", height=150 + 34 * len(services), margin={"t": 170},
    legend={"orientation": "h", "y": -0.05}, plot_bgcolor="white",
)
figure

# %% [markdown]
# ## Les mêmes chiffres en tableau
# Part des satisfaits en %, « masqué » là où le chiffre n'est pas publié, « — » là où
# personne du groupe n'a donné de note.

# %%
grid("shown")

# %% [markdown]
# ## Le nombre de notes derrière chaque part
# Les effectifs sont toujours publiés, même quand la part est masquée.

# %%
grid("n_rated")
