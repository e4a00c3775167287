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
# # Participation aux ateliers et cibles du programme
#
# **Question :** les ateliers de concertation atteignent-ils les publics visés ? Pour
# chaque commune du programme qui a tenu des ateliers : la part des femmes, des jeunes
# (15–29 ans), des personnes en situation de handicap et des résidents ruraux parmi les
# présences, comparée aux cibles du programme (`config/targets.yaml`).
#
# **masqué** : chiffre non publié (secret statistique). Une part reposant sur trop peu de
# présences est masquée avec toute sa ligne ; sur une ligne publiée, une part est masquée
# seule quand elle permettrait de retrouver une part masquée ailleurs ; quand les effectifs
# eux-mêmes le permettraient, le nombre d'ateliers et de présences est masqué aussi. Un
# chiffre masqué n'est jamais un zéro.

# %%
import plotly.express as px

from citizen_metrics.publish.access import open_marts

con = open_marts()

# %% [markdown]
# ## Cibles atteintes, par niveau
# Pour chaque cible, le nombre de territoires qui l'atteignent, qui ne l'atteignent pas, et
# ceux où l'on ne peut pas le dire (part masquée, ou aucun atelier).

# %%
# French percentages for the tables: 0.4545 → "45,5" (half away from zero, on the decimal
# value published, not on its binary approximation)
con.execute(
    "create temp macro pourcent(share) as "
    "replace(printf('%.1f', round(100 * share::decimal(18, 6), 1)), '.', ',')"
)
# A share as the reader sees it: "masqué" where withheld, "—" where there is none.
con.execute(
    "create temp macro part(share, withheld) as "
    "case when withheld then 'masqué' when share is null then '—' else pourcent(share) end"
)
con.execute(
    """
    select l.label_fr as "Niveau", i.label_fr as "Cible",
           pourcent(any_value(t.target)) || ' %' as "Minimum",
           count(*) filter (t.met) as "Atteinte", count(*) filter (not t.met) as "Non atteinte",
           count(*) filter (t.met is null) as "Masquée ou sans atelier"
    from mart_targets t
    join label_indicators i using (indicator)
    join label_codes l on l.code_list = 'geography_level' and l.code = t.geography_level
    group by all order by any_value(l.sort_order), any_value(i.sort_order)
    """
).df()

# %% [markdown]
# ## Les communes du programme : parts et effectifs
# Une ligne par commune du programme ayant tenu des ateliers ; parts en % des présences.

# %%
communes = con.execute(
    """
    with rows as (
        select g.province_name_fr as province, g.name_fr as commune, g.sort_order,
               p.workshops, p.attendances, p.suppressed,
               p.share_women, p.share_youth, p.share_with_disability, p.share_rural,
               -- the shares withheld alone on a published row
               string_split(coalesce(p.withheld_shares, ''), ',') as alone
        from mart_participation p
        join label_geographies g using (geography_level, geography_code)
        where p.geography_level = 'commune' and p.breakdown = 'total' and g.in_programme
    )
    select share_women, suppressed or list_contains(alone, 'share_women') as women_withheld,
           province as "Province", commune as "Commune",
           -- counts are withheld (NULL on a published row) where they would give a
           -- withheld share away
           coalesce(workshops::varchar, 'masqué') as "Ateliers",
           coalesce(attendances::varchar, 'masqué') as "Présences",
           part(share_women, suppressed or list_contains(alone, 'share_women'))
               as "Femmes (%)",
           part(share_youth, suppressed or list_contains(alone, 'share_youth'))
               as "Jeunes (%)",
           part(share_with_disability,
                suppressed or list_contains(alone, 'share_with_disability'))
               as "Handicap (%)",
           part(share_rural, suppressed or list_contains(alone, 'share_rural'))
               as "Ruraux (%)"
    from rows order by sort_order
    """
).df()
communes.drop(columns=["share_women", "women_withheld"])

# %% [markdown]
# ## Part des femmes parmi les présences, par commune, et sa cible
# Le trait vertical marque la cible. Une part masquée est écrite « masqué » à la place de
# sa barre.

# %%
target = con.execute(
    "select any_value(target) from mart_targets where indicator = 'share_women'"
).fetchone()[0]
chart = communes.assign(
    share_women=communes["share_women"].where(~communes["women_withheld"]) * 100)
withheld = chart[chart["women_withheld"]]
figure = px.bar(
    chart, x="share_women", y="Commune", color="Province", orientation="h",
    labels={"share_women": "part des femmes parmi les présences (%)", "Commune": ""},
    title="Part des femmes aux ateliers, communes du programme",
    category_orders={"Commune": list(chart["Commune"])},
    height=260 + 24 * len(chart),
)
figure.add_scatter(
    x=[0] * len(withheld), y=withheld["Commune"], mode="text",
    text=["masqué"] * len(withheld), textposition="middle right",
    textfont_color="#c4540c", name="masqué : non publié (secret statistique)",
    hoverinfo="skip",
)
if target is not None:
    figure.add_vline(x=target * 100, line_dash="dash", line_color="black",
                     annotation_text=f"cible : {round(target * 100)} %",
                     annotation_position="top")
figure.update_layout(
    xaxis={"ticksuffix": " %", "range": [0, 100]}, separators=", ", margin={"b": 130},
    legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
)
figure
