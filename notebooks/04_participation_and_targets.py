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
# # Participation in workshops against targets
#
# Shares of women, youth, persons with a disability and rural residents among workshop
# attendances, for each programme commune, against the targets of `config/targets.yaml`.
# A share resting on fewer attendances than the threshold is withheld with its row
# (`suppressed`); on a published row, a share whose numerator would give a hidden share
# away is withheld alone (listed in `withheld_shares`). Where even the counts would give a
# hidden share away, `workshops`, `attendances` and `unique_participants` are NULL.

# %%
import pandas as pd
import plotly.express as px
import plotly.io as pio

from citizen_metrics.publish.access import open_marts
from citizen_metrics.publish.report.text import rounded_percent

pio.renderers.default = "plotly_mimetype+notebook"  # drawn in Jupyter and in exported HTML
con = open_marts()

# %% [markdown]
# ## Targets met, by geography level

# %%
con.execute(
    """
    select t.geography_level, i.label_fr as target, any_value(t.target) as minimum,
           count(*) filter (t.met) as met, count(*) filter (not t.met) as not_met,
           count(*) filter (t.met is null) as withheld_or_no_workshop
    from mart_targets t join label_indicators i using (indicator)
    group by all order by t.geography_level, target
    """
).df()

# %% [markdown]
# ## Programme communes: shares and targets
# One row per programme commune with workshops; `masqué` where a share or a count is
# withheld.

# %%
communes = con.execute(
    """
    select g.province_name_fr as province, g.name_fr as commune, p.workshops,
           p.attendances, p.suppressed, p.withheld_shares, p.share_women, p.share_youth,
           p.share_with_disability, p.share_rural
    from mart_participation p
    join label_geographies g using (geography_level, geography_code)
    where p.geography_level = 'commune' and p.breakdown = 'total' and g.in_programme
    order by g.sort_order
    """
).df()
shares = ["share_women", "share_youth", "share_with_disability", "share_rural"]
counts = ["workshops", "attendances"]
withheld = communes["withheld_shares"].fillna("").str.split(",")
shown = communes.copy()
shown[shares] = shown[shares].apply(lambda column: column.map(
    lambda share: None if pd.isna(share) else rounded_percent(share, 1))).astype(object)
shown[counts] = shown[counts].astype(object)
for share in shares:
    alone = withheld.map(lambda listed, share=share: share in listed)
    shown.loc[shown["suppressed"] | alone, share] = "masqué"
shown.loc[communes["attendances"].isna(), counts] = "masqué"
shown.drop(columns=["suppressed", "withheld_shares"])

# %% [markdown]
# ## Share of women among attendances, per commune, against the 30 % target
# Communes whose share is withheld are left out (not drawn as 0).

# %%
target = con.execute(
    "select any_value(target) from mart_targets where indicator = 'share_women'"
).fetchone()[0]
published = communes[shown["share_women"] != "masqué"]
figure = px.bar(
    published, x="share_women", y="commune", color="province", orientation="h",
    labels={"share_women": "part des femmes parmi les présences", "commune": ""},
    title="Part des femmes aux ateliers, communes du programme (trait : cible)",
    height=900,
)
figure.add_vline(x=target, line_dash="dash", line_color="black")
figure.update_layout(xaxis_tickformat=".0%", yaxis_autorange="reversed")
figure
