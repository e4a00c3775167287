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
# # Qualité des données : fichiers, règles et enquêteurs
#
# **Question :** qu'est devenue chaque ligne de chaque fichier reçu, quelles lignes
# corriger, et quels entretiens vérifier ?
#
# On y lit ce qu'est devenue chaque ligne de chaque fichier reçu (`quality_file_summary`),
# les règles que cassent les lignes mises en quarantaine (`quality_quarantine`, à corriger
# dans les fichiers sources) et les entretiens acceptés mais douteux (`quality_flags`,
# gardés dans les chiffres).
#
# Les codes des enquêteurs sont des données personnelles et ne sont **jamais publiés** :
# les tables disent seulement quelles réponses acceptées viennent d'un enquêteur ayant
# réalisé plus de 25 entretiens dans la journée (signalement « Enquêteur à plus de 25
# entretiens par jour »), par fichier, ligne et commune. Le superviseur retrouve
# l'enquêteur dans le fichier source à partir du nom du fichier et du numéro de ligne.

# %%
import plotly.express as px

from citizen_metrics.publish.access import open_marts

con = open_marts()

# %% [markdown]
# ## Chaque fichier : lignes lues et ce qu'elles sont devenues
# « Doublons » : lignes déjà reçues ; « Remplacées » : réponses remplacées par une version
# plus récente ; « Comptes justes » : chaque ligne lue est comptée une fois et une seule.

# %%
con.execute(
    """
    select f.source_file as "Fichier", coalesce(f.sheet, '') as "Feuille",
           coalesce(k.label_fr, f.file_kind) as "Type",
           coalesce(s.label_fr, f.status) as "Statut", coalesce(f.reason, '') as "Motif",
           f.rows_read as "Lignes lues", f.accepted as "Acceptées",
           f.duplicate as "Doublons", f.superseded as "Remplacées",
           f.excluded_no_consent as "Sans consentement",
           f.quarantined as "En quarantaine",
           case when f.rows_accounted then 'oui' else 'non' end as "Comptes justes"
    from quality_file_summary f
    left join label_codes k on k.code_list = 'file_kind' and k.code = f.file_kind
    left join label_codes s on s.code_list = 'file_status' and s.code = f.status
    order by f.file_kind, f.source_file, f.sheet
    """
).df()

# %% [markdown]
# ## Lignes en quarantaine, par règle et par fichier
# Nombre de lignes (une ligne qui casse deux règles compte sous chacune).

# %%
by_rule = con.execute(
    """
    select coalesce(l.label_fr, q.rule) as "règle", q.source_file as "fichier",
           count(distinct (q.source_file, q.sheet, q.source_row)) as "lignes"
    from quality_quarantine q
    left join label_codes l on l.code_list = 'quarantine_rule' and l.code = q.rule
    group by all
    """
).df()
by_rule.pivot_table(index="règle", columns="fichier", values="lignes", aggfunc="sum",
                    fill_value=0, margins=True, margins_name="Total")

# %%
totals = by_rule.groupby("règle", as_index=False)["lignes"].sum().sort_values("lignes")
figure = px.bar(totals, x="lignes", y="règle", orientation="h", text="lignes",
                labels={"lignes": "lignes en quarantaine", "règle": ""},
                title="Lignes mises en quarantaine, par règle")
figure.update_layout(separators=", ")
figure

# %% [markdown]
# ## Entretiens douteux, par signalement et par commune
# « Enquêteur à plus de 25 entretiens par jour » désigne un enquêteur à rencontrer ;
# « Entretien de moins de 5 minutes », un entretien à vérifier avec le superviseur.

# %%
con.execute(
    """
    select g.province_name_fr as "Province", g.name_fr as "Commune",
           coalesce(l.label_fr, f.flag) as "Signalement",
           count(*) as "Réponses", count(distinct f.source_file) as "Fichiers"
    from quality_flags f
    left join label_geographies g on g.geography_level = 'commune'
         and g.geography_code = f.commune_code
    left join label_codes l on l.code_list = 'quality_flag' and l.code = f.flag
    group by all order by "Réponses" desc, "Province", "Commune", "Signalement"
    """
).df()
