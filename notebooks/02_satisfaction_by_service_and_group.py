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
# # Satisfaction by service and group, for one commune or province
#
# Set the geography in the next cell: a commune (9 digits, e.g. `050910101` for Béni
# Mellal), a province (5 digits, e.g. `05091`) or the region (`05`). Province and region
# figures are weighted, commune figures are not (they are the same both ways). The chart is
# the one of the managers' report.

# %% tags=["parameters"]
GEOGRAPHY_CODE = "05091"

# %%
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from citizen_metrics.publish.access import open_marts
from citizen_metrics.publish.report import charts as figures
from citizen_metrics.publish.report import text
from citizen_metrics.publish.report.data import ReportData, data_as_of

pio.renderers.default = "plotly_mimetype+notebook"  # drawn in Jupyter and in exported HTML
con = open_marts()
data = ReportData.load(con, data_as_of(con), geography_code=GEOGRAPHY_CODE)
if data.headline.empty:
    raise ValueError(f"{GEOGRAPHY_CODE} is not a geography of label_geographies")
place = data.headline.iloc[0]
f"{place.geography_level} {place.name_fr} ({place.name_ar}): {place.n_respondents} respondents"

# %% [markdown]
# ## Share of satisfied respondents by service and group
# Hatched cells are withheld (too few scores, or complementary suppression); grey cells
# have no answer at all. Hover a cell for its interval and number of scores.

# %%
figure = go.Figure(
    figures.satisfaction_heatmap(
        data.satisfaction,
        title=f"Satisfaction par service et par groupe — {place.name_fr}",
        subtitle="Part des notes 4 ou 5 parmi les notes de 1 à 5 (%)",
        source=f"Source : enquête citoyenne, {place.n_respondents} répondants.",
    )
)
figure

# %% [markdown]
# ## The same figures as a table
# Shares in %, "masqué" where withheld, empty where nobody in the group gave a score. The
# marts publish shares rounded to 4 decimals (0.4545): their percentages are rounded half
# up (45.5), as on paper.

# %%
cells = data.satisfaction.assign(
    shown=lambda d: d["satisfied_share"].map(
        lambda share: None if pd.isna(share) else text.rounded_percent(share, 1)
    ).astype(object),
)
cells.loc[cells["suppressed"], "shown"] = "masqué"
cells.loc[cells["missing"], "shown"] = ""
table = cells.pivot_table(
    index="indicator_fr", columns="group_fr", values="shown", aggfunc="first", sort=False
)
table

# %% [markdown]
# ## Counts behind the shares
# Counts are always published, also where the share is withheld.

# %%
data.satisfaction.pivot_table(
    index="indicator_fr", columns="group_fr", values="n_rated", aggfunc="first", sort=False
)
