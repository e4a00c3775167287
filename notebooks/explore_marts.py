# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Exploring the citizen metrics marts
#
# Open with Jupyter through jupytext (`jupytext --to notebook notebooks/explore_marts.py`),
# or run as a script. The marts database is opened **read-only**: the nightly run replaces
# the file atomically and is never blocked by an open notebook.

# %%
import os
from pathlib import Path

import duckdb
import plotly.express as px

REPO = Path(__file__).resolve().parents[1] if "__file__" in globals() else Path.cwd().parent
MARTS = Path(os.environ.get("PIPELINE_MARTS_DIR") or REPO / "data" / "marts")
con = duckdb.connect(str(MARTS / "citizen_metrics.duckdb"), read_only=True)

# %% [markdown]
# ## Satisfaction by service, women and men, region (weighted)
# Suppressed estimates are NULL: they are left out of the chart, never drawn as zero.

# %%
by_sex = con.execute(
    """
    select indicator, group_key as sex, satisfied_share, ci_low, ci_high, n_rated
    from mart_survey_indicators
    where geography_level = 'region' and breakdown = 'sex' and group_key in ('female', 'male')
      and estimate_type = 'weighted' and not suppressed
    order by indicator, sex
    """
).df()
by_sex

# %%
figure = px.bar(
    by_sex, x="satisfied_share", y="indicator", color="sex", barmode="group",
    error_x=by_sex["ci_high"] - by_sex["satisfied_share"],
    error_x_minus=by_sex["satisfied_share"] - by_sex["ci_low"],
    labels={"satisfied_share": "share satisfied (4 or 5)", "indicator": ""},
    title="Satisfaction by service and sex, region, weighted, 95 % Wilson intervals",
)
figure

# %% [markdown]
# ## Significant equity gaps

# %%
con.execute(
    """
    select geography_name, indicator, dimension, round(gap, 3) as gap,
           round(ci_low, 3) as ci_low, round(ci_high, 3) as ci_high
    from mart_equity_gaps
    where significant and geography_level in ('province', 'region')
    order by abs(gap) desc
    limit 20
    """
).df()

# %% [markdown]
# ## Participation targets not met

# %%
con.execute(
    "select geography_name, indicator, target, round(actual, 3) as actual from mart_targets "
    "where met = false order by geography_level, geography_name, indicator"
).df()
