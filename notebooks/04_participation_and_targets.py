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
# A share resting on fewer attendances than the threshold is withheld (`suppressed`).

# %%
import plotly.express as px
import plotly.io as pio

from pipeline.marts_access import open_marts

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
# One row per programme commune with workshops; `masqué` where the share is withheld.

# %%
communes = con.execute(
    """
    select g.province_name_fr as province, g.name_fr as commune, p.workshops,
           p.attendances, p.suppressed, p.share_women, p.share_youth,
           p.share_with_disability, p.share_rural
    from mart_participation p
    join label_geographies g using (geography_level, geography_code)
    where p.geography_level = 'commune' and p.breakdown = 'total' and g.in_programme
    order by g.sort_order
    """
).df()
shares = ["share_women", "share_youth", "share_with_disability", "share_rural"]
shown = communes.copy()
shown[shares] = shown[shares].mul(100).round(1).astype(object)
shown.loc[shown["suppressed"], shares] = "masqué"
shown.drop(columns="suppressed")

# %% [markdown]
# ## Share of women among attendances, per commune, against the 30 % target

# %%
target = con.execute(
    "select any_value(target) from mart_targets where indicator = 'share_women'"
).fetchone()[0]
published = communes[~communes["suppressed"]]
figure = px.bar(
    published, x="share_women", y="commune", color="province", orientation="h",
    labels={"share_women": "part des femmes parmi les présences", "commune": ""},
    title="Part des femmes aux ateliers, communes du programme (trait : cible)",
    height=900,
)
figure.add_vline(x=target, line_dash="dash", line_color="black")
figure.update_layout(xaxis_tickformat=".0%", yaxis_autorange="reversed")
figure
