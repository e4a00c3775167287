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
# # A tour of the citizen metrics marts
#
# The published marts (`data/marts/citizen_metrics.duckdb`, the same tables as Parquet in
# `data/marts/exports/`) hold every figure of the programme, for every commune, province and
# the region, and the French and Arabic labels of every code. This notebook lists them,
# shows how to put labels on codes, and draws one figure.
#
# `open_marts()` opens the **current** published file, read-only. The nightly run replaces
# the file; a connection opened yesterday keeps showing yesterday's figures, so run the
# first cell again (or restart the kernel) after a nightly run.

# %%
import plotly.express as px
import plotly.io as pio

from citizen_metrics.publish.access import open_marts
from citizen_metrics.publish.dictionary import TABLES_FR

pio.renderers.default = "plotly_mimetype+notebook"  # drawn in Jupyter and in exported HTML
con = open_marts()

# %% [markdown]
# ## The published tables
# One row per table: its rows and what it holds. `label_*` tables give the French and
# Arabic label of every code that appears in the others.

# %%
tables = con.execute(
    " union all ".join(
        f"select '{name}' as table_name, count(*) as rows from {name}" for name in TABLES_FR
    )
).df()
tables["content"] = tables["table_name"].map(TABLES_FR)
tables

# %% [markdown]
# ## Codes and their labels
# Breakdowns and groups (`breakdown`, `group_key`) join `label_groups`; indicators join
# `label_indicators`; geographies join `label_geographies` (French and Arabic names).

# %%
con.execute(
    """
    select breakdown, group_key, breakdown_fr, label_fr, label_ar
    from label_groups where not is_pair order by sort_order
    """
).df()

# %% [markdown]
# ## Satisfaction with each service in the region
# Weighted estimates (each response weighs its commune's population over its number of
# responses), share of scores 4 or 5 with its 95 % Wilson interval, rounded to 4 decimals
# as published. A withheld estimate (`suppressed`) is NULL, and `suppression` says why: a
# weighted region figure is withheld (`weighted`) whenever the same figure is withheld in
# one of its communes, since the public weights would give that commune's figure away.

# %%
region = con.execute(
    """
    select l.short_fr as service, m.satisfied_share, m.ci_low, m.ci_high, m.n_rated,
           m.suppressed, m.suppression
    from mart_survey_indicators m
    join label_indicators l using (indicator)
    where m.geography_level = 'region' and m.breakdown = 'total'
      and m.estimate_type = 'weighted'
    order by m.satisfied_share desc nulls last
    """
).df()
region

# %%
figure = px.bar(
    region, x="satisfied_share", y="service", orientation="h",
    error_x=region["ci_high"] - region["satisfied_share"],
    error_x_minus=region["satisfied_share"] - region["ci_low"],
    labels={"satisfied_share": "part de satisfaits (note 4 ou 5)", "service": ""},
    title="Satisfaction par service — région, pondérée, IC 95 % (Wilson)",
)
figure.update_layout(xaxis_tickformat=".0%", yaxis_autorange="reversed", height=520)
figure
