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
# # Écarts d'équité
#
# **Question :** pour chaque service, les femmes sont-elles moins satisfaites que les
# hommes ? les jeunes que leurs aînés ? les personnes en situation de handicap que les
# autres ? les ruraux que les urbains ?
#
# L'écart est la part des satisfaits (notes 4 ou 5) d'un groupe moins celle de l'autre
# (femmes − hommes, jeunes − 30 ans et plus, avec − sans handicap, ruraux − urbains), en
# points de pourcentage, sans pondération, avec son intervalle de confiance à 95 % (méthode
# de Newcombe). Il est **significatif** quand l'intervalle ne contient pas 0 : l'écart
# observé n'est alors vraisemblablement pas dû au hasard de l'échantillon.
#
# **masqué** : écart non publié (secret statistique), parce que la part d'un des deux
# groupes est masquée (trop peu de notes, ou pour protéger un autre chiffre) ; ce n'est pas
# un écart nul. **—** : pas d'écart, un des groupes n'a donné aucune note.
#
# Choisissez le territoire dans la cellule suivante : une commune (9 chiffres), une
# province (5 chiffres) ou la région (`05`).

# %% tags=["parameters"]
GEOGRAPHY_CODE = "05"

# %%
import textwrap

from plotly.subplots import make_subplots

from citizen_metrics.publish.access import open_marts

con = open_marts()
# French numbers for the tables: a gap of -0.1667 → "−16,7" points (half away from zero,
# on the decimal value published)
con.execute(
    "create temp macro points(gap) as "
    "replace(replace(printf('%+.1f', round(100 * gap::decimal(18, 6), 1)), '.', ','), '-', '−')"
)
place = con.execute(
    "select level_fr, name_fr, name_ar from label_geographies where geography_code = $code",
    {"code": GEOGRAPHY_CODE},
).df()
if place.empty:
    raise ValueError(f"{GEOGRAPHY_CODE} n'est le code d'aucun territoire de label_geographies")
place = place.iloc[0]
f"{place.level_fr} {place.name_fr} ({place.name_ar})"

# %% [markdown]
# ## Les écarts du territoire, avec leur intervalle
# Un panneau par comparaison ; point plein : écart significatif ; point creux : écart non
# significatif ; le trait horizontal est l'intervalle de confiance à 95 %.

# %%
gaps = con.execute(
    """
    with place as (
        select geography_level, geography_code from label_geographies
        where geography_code = $code
    ),
    indicators as (
        select indicator, short_fr, sort_order from label_indicators where family = 'survey'
    ),
    dimensions as (
        select breakdown as dimension, any_value(breakdown_fr) as dimension_fr,
               min(sort_order) as sort_order
        from label_groups where breakdown in ('sex', 'age_group', 'disability', 'residence')
        group by 1
    ),
    gaps as (
        select d.dimension, d.sort_order as dimension_order, i.short_fr as service,
               i.sort_order, m.gap, m.ci_low, m.ci_high, m.n_a, m.n_b,
               coalesce(m.significant, false) as significant,
               coalesce(m.suppressed, false) as suppressed,
               a.label_fr || ' − ' || b.label_fr as comparison, d.dimension_fr
        from place p
        cross join indicators i
        cross join dimensions d
        left join mart_equity_gaps m
               on m.geography_level = p.geography_level
              and m.geography_code = p.geography_code
              and m.indicator = i.indicator and m.dimension = d.dimension
        left join label_groups a on a.breakdown = d.dimension and a.group_key = m.group_a
        left join label_groups b on b.breakdown = d.dimension and b.group_key = m.group_b
    )
    -- every row of a dimension names its comparison ("Femme − Homme"), even withheld ones
    select * replace (coalesce(max(comparison) over (partition by dimension), dimension_fr)
                      as comparison)
    from gaps order by dimension_order, sort_order
    """,
    {"code": GEOGRAPHY_CODE},
).df()
comparisons = list(dict.fromkeys(gaps["comparison"]))
services = list(dict.fromkeys(gaps["service"]))
figure = make_subplots(
    rows=1, cols=len(comparisons), shared_yaxes=True, horizontal_spacing=0.03,
    subplot_titles=["<br>".join(textwrap.wrap(title, 22)) for title in comparisons])
for column, comparison in enumerate(comparisons, start=1):
    panel = gaps[gaps["comparison"] == comparison]
    for significant, colour, symbol, name in (
        (True, "#c4540c", "circle", "écart significatif (IC à 95 % sans 0)"),
        (False, "#6b6b6b", "circle-open", "écart non significatif"),
    ):
        shown = panel[~panel["suppressed"] & panel["gap"].notna()
                      & (panel["significant"] == significant)]
        figure.add_scatter(
            x=shown["gap"] * 100, y=shown["service"], mode="markers", name=name,
            legendgroup=name, showlegend=column == 1,
            marker={"color": colour, "symbol": symbol, "size": 9},
            error_x={"type": "data", "symmetric": False, "color": colour,
                     "array": (shown["ci_high"] - shown["gap"]) * 100,
                     "arrayminus": (shown["gap"] - shown["ci_low"]) * 100},
            customdata=shown[["ci_low", "ci_high", "n_a", "n_b"]] * [100, 100, 1, 1],
            hovertemplate="%{y} : %{x:+.1f} points (IC à 95 % : %{customdata[0]:+.1f} à "
                          "%{customdata[1]:+.1f})<br>%{customdata[2]} et %{customdata[3]}"
                          " notes<extra></extra>",
            row=1, col=column,
        )
    # A withheld gap is written at its place, never drawn as a zero gap.
    for mask, mark, name in (
        (panel["suppressed"], "masqué", "masqué : non publié (secret statistique)"),
        (~panel["suppressed"] & panel["gap"].isna(), "—",
         "— : pas d'écart, un des groupes n'a donné aucune note"),
    ):
        marked = panel[mask]
        figure.add_scatter(
            x=[0] * len(marked), y=marked["service"], mode="text", text=[mark] * len(marked),
            textfont={"size": 10, "color": "#404040"}, name=name, legendgroup=name,
            showlegend=column == 1, hoverinfo="skip", row=1, col=column,
        )
# the same scale in every panel, wide enough for every interval (20 points at least)
limit = max(20.0, gaps[["ci_low", "ci_high"]].abs().fillna(0).to_numpy().max() * 100 + 5)
figure.update_annotations(font_size=12)  # the panels' titles
figure.update_xaxes(range=[-limit, limit], zeroline=True, zerolinecolor="#888888",
                    title_text="écart (points)")
figure.update_yaxes(autorange="reversed", type="category", categoryorder="array",
                    categoryarray=services)
figure.update_layout(
    title={"text": f"Écarts de satisfaction entre groupes, {place.name_fr}",
           "subtitle": {"text": "Part des satisfaits d'un groupe moins celle de l'autre, "
                                "en points ; intervalle de confiance à 95 %"}},
    separators=", ", height=230 + 30 * len(services), margin={"t": 170},
    legend={"orientation": "h", "y": -0.12},
)
figure

# %% [markdown]
# ## Les mêmes écarts en tableau
# En points de pourcentage ; « masqué » là où l'écart n'est pas publié, « — » là où il
# n'existe pas.

# %%
con.execute(
    """
    select service as "Service", comparison as "Comparaison",
           case when suppressed then 'masqué' when gap is null then '—'
                else points(gap) end as "Écart (points)",
           case when not suppressed and gap is not null
                then points(ci_low) || ' à ' || points(ci_high) else '' end as "IC à 95 %",
           case when not suppressed and gap is not null
                then case when significant then 'oui' else 'non' end else '' end
               as "Significatif",
           n_a as "Notes du 1er groupe", n_b as "Notes du 2e groupe"
    from gaps order by dimension_order, sort_order
    """
).df()

# %% [markdown]
# ## Tous les écarts significatifs, région et provinces, du plus grand au plus petit

# %%
con.execute(
    """
    select g.name_fr as "Territoire", i.short_fr as "Service",
           a.label_fr || ' − ' || b.label_fr as "Comparaison",
           points(m.gap) as "Écart (points)",
           points(m.ci_low) || ' à ' || points(m.ci_high) as "IC à 95 %",
           m.n_a as "Notes du 1er groupe", m.n_b as "Notes du 2e groupe"
    from mart_equity_gaps m
    join label_geographies g using (geography_level, geography_code)
    join label_indicators i using (indicator)
    join label_groups a on a.breakdown = m.dimension and a.group_key = m.group_a
    join label_groups b on b.breakdown = m.dimension and b.group_key = m.group_b
    where m.significant and m.geography_level in ('region', 'province')
    order by abs(m.gap) desc, g.sort_order, i.sort_order, a.sort_order
    """
).df()

# %% [markdown]
# ## Combien d'écarts sont masqués, par niveau et par comparaison
# Beaucoup d'écarts communaux sont masqués : une commune compte peu de personnes en
# situation de handicap ou d'aînés interrogés.

# %%
con.execute(
    """
    select l.label_fr as "Niveau", d.breakdown_fr as "Dimension",
           count(*) as "Écarts", count(*) filter (m.suppressed) as "Masqués",
           count(*) filter (m.significant) as "Significatifs"
    from mart_equity_gaps m
    join label_codes l on l.code_list = 'geography_level' and l.code = m.geography_level
    join (select distinct breakdown, breakdown_fr from label_groups) d
         on d.breakdown = m.dimension
    group by all order by any_value(l.sort_order), any_value(m.dimension)
    """
).df()
