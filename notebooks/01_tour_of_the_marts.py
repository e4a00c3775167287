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
# # Visite des tables publiées
#
# **Question :** que contient la publication, et comment lire un chiffre ?
#
# La base publiée (`data/marts/citizen_metrics.duckdb` ; les mêmes tables en Parquet et en
# CSV dans `data/marts/exports/`) contient tous les chiffres du programme, pour chaque
# commune, chaque province et la région, et le libellé français et arabe de chaque code.
# Chaque colonne est décrite dans le dictionnaire des données (`docs/data_dictionary.md`).
#
# `open_marts()` ouvre la publication **en cours**, en lecture seule. La publication de la
# nuit remplace le fichier : une connexion ouverte la veille lit encore les chiffres de la
# veille. Relancez la première cellule (ou redémarrez le noyau) après la nuit.

# %%
import plotly.graph_objects as go

from citizen_metrics.publish.access import open_marts

con = open_marts()

# %% [markdown]
# ## Les tables publiées
# Une ligne par table de la base : son nombre de lignes et sa famille. Les tables
# `mart_*` portent les chiffres, `quality_*` la qualité des données reçues, `label_*` les
# libellés de tous les codes des autres tables.

# %%
names = [name for (name,) in con.execute(
    "select table_name from duckdb_tables() where database_name = current_database() "
    "order by table_name").fetchall()]
con.execute(
    " union all ".join(
        f"""select '{name}' as "table", count(*) as "lignes",
                   case when '{name}' like 'mart_%' then 'chiffres'
                        when '{name}' like 'quality_%' then 'qualité des données'
                        else 'libellés' end as "famille"
            from {name}"""
        for name in names
    )
).df()

# %% [markdown]
# ## Les codes et leurs libellés
# Les tables désignent chaque groupe par deux codes, `breakdown` (la dimension) et
# `group_key` (le groupe) : la table `label_groups` leur donne un libellé. De même,
# `label_indicators` pour les indicateurs, `label_geographies` pour les communes et les
# provinces (noms français et arabes) et `label_codes` pour les autres listes de codes.

# %%
con.execute(
    """
    select breakdown, group_key, breakdown_fr, label_fr, label_ar
    from label_groups where not is_pair order by sort_order
    """
).df()

# %% [markdown]
# ## Satisfaction pour chaque service dans la région
# Part des notes 4 ou 5 (« satisfait » ou « très satisfait ») parmi les notes de 1 à 5,
# estimation pondérée (chaque réponse pèse la population de sa commune divisée par son
# nombre de réponses), avec son intervalle de confiance à 95 % (méthode de Wilson) : la
# vraie valeur a 95 chances sur 100 d'être dans l'intervalle, d'autant plus large que les
# notes sont peu nombreuses.
#
# **masqué** : chiffre non publié (secret statistique), parce qu'il repose sur trop peu de
# personnes, ou parce qu'il permettrait de retrouver un tel chiffre ; un chiffre
# régional pondéré est masqué dès que le même chiffre l'est dans une de ses communes. Un
# chiffre masqué n'est jamais un zéro. **aucune note** : personne n'a noté ce service.

# %%
# French percentages for the tables: 0.4545 → "45,5" (half away from zero, on the decimal
# value published, not on its binary approximation)
con.execute(
    "create temp macro pourcent(share) as "
    "replace(printf('%.1f', round(100 * share::decimal(18, 6), 1)), '.', ',') || ' %'"
)
region = con.execute(
    """
    select l.short_fr as service, m.satisfied_share, m.ci_low, m.ci_high, m.n_rated,
           coalesce(m.suppressed, false) as suppressed, s.label_fr as suppression_fr
    from mart_survey_indicators m
    join label_indicators l using (indicator)
    left join label_codes s on s.code_list = 'suppression' and s.code = m.suppression
    where m.geography_level = 'region' and m.breakdown = 'total'
      and m.estimate_type = 'weighted'
    order by l.sort_order
    """
).df()
con.execute(
    """
    select service as "Service",
           case when suppressed then 'masqué' when satisfied_share is null then 'aucune note'
                else pourcent(satisfied_share) end as "Part de satisfaits",
           case when not suppressed and satisfied_share is not null
                then pourcent(ci_low) || ' à ' || pourcent(ci_high) else '' end
               as "IC à 95 %",
           n_rated as "Notes de 1 à 5",
           coalesce(suppression_fr, '') as "Secret statistique"
    from region
    """
).df()

# %%
withheld = region[region["suppressed"]]
unrated = region[~region["suppressed"] & region["satisfied_share"].isna()]
figure = go.Figure()
percent = region[["satisfied_share", "ci_low", "ci_high"]] * 100
figure.add_bar(
    x=percent["satisfied_share"], y=region["service"], orientation="h",
    name="part de satisfaits", marker_color="#1f5f99",
    error_x={"type": "data", "symmetric": False,
             "array": percent["ci_high"] - percent["satisfied_share"],
             "arrayminus": percent["satisfied_share"] - percent["ci_low"]},
    customdata=percent[["ci_low", "ci_high"]].assign(n_rated=region["n_rated"]),
    hovertemplate="%{y} : %{x:.0f} % (IC à 95 % : %{customdata[0]:.0f} à "
                  "%{customdata[1]:.0f} %), %{customdata[2]} notes<extra></extra>",
)
# A withheld figure is written where its bar would be, never drawn as a zero.
figure.add_scatter(
    x=[0] * len(withheld), y=withheld["service"], mode="text", text=["masqué"] * len(withheld),
    textposition="middle right", textfont_color="#c4540c",
    name="masqué : non publié (secret statistique)", hovertext=withheld["suppression_fr"],
    hoverinfo="text",
)
figure.add_scatter(
    x=[0] * len(unrated), y=unrated["service"], mode="text",
    text=["aucune note"] * len(unrated), textposition="middle right",
    textfont_color="#6b6b6b", name="aucune note : personne n'a noté ce service",
    hoverinfo="skip",
)
figure.update_layout(
    title={"text": "Satisfaction par service, région (estimation pondérée)",
           "subtitle": {"text": "Part des notes 4 ou 5, intervalle de confiance à 95 %"}},
    xaxis={"title": "part de satisfaits", "ticksuffix": " %", "range": [0, 100]},
    yaxis={"autorange": "reversed", "title": ""},
    separators=", ", height=560, margin={"t": 90},
    legend={"orientation": "h", "y": -0.15},
)
figure
