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
# # Equity gaps
#
# The gap is the satisfied share of one group minus the other's (women − men, youth − 30
# and over, with − without a disability, rural − urban), unweighted, with Newcombe's 95 %
# interval; it is *significant* when the interval excludes 0. A gap is withheld when
# either group is withheld (too few scores, or withheld to protect another figure).

# %% tags=["parameters"]
GEOGRAPHY_CODE = "05"

# %%
import plotly.graph_objects as go
import plotly.io as pio

from citizen_metrics.publish.access import open_marts
from citizen_metrics.publish.report import charts as figures
from citizen_metrics.publish.report.data import ReportData, data_as_of

pio.renderers.default = "plotly_mimetype+notebook"  # drawn in Jupyter and in exported HTML
con = open_marts()
data = ReportData.load(con, data_as_of(con), geography_code=GEOGRAPHY_CODE)
place = data.headline.iloc[0]

# %% [markdown]
# ## Gaps of one geography, with their intervals

# %%
figure = go.Figure(
    figures.equity_dots(
        data.equity,
        title=f"Écarts de satisfaction entre groupes — {place.name_fr}",
        subtitle="Points de % ; point plein : écart significatif",
        source=f"Source : enquête citoyenne, {place.n_respondents} répondants.",
        withheld_label=data.label("suppression", "primary", "masqué"),
    )
)
figure

# %% [markdown]
# ## Every significant gap, region and provinces, largest first

# %%
significant = con.execute(
    """
    select g.name_fr as geography, i.short_fr as indicator,
           a.label_fr || ' − ' || b.label_fr as groups,
           round(100 * m.gap, 1) as gap_points,
           round(100 * m.ci_low, 1) as ci_low_points,
           round(100 * m.ci_high, 1) as ci_high_points, m.n_a, m.n_b
    from mart_equity_gaps m
    join label_geographies g using (geography_level, geography_code)
    join label_indicators i using (indicator)
    join label_groups a on a.breakdown = m.dimension and a.group_key = m.group_a
    join label_groups b on b.breakdown = m.dimension and b.group_key = m.group_b
    where m.significant and m.geography_level in ('region', 'province')
    order by abs(m.gap) desc, geography, indicator, groups
    """
).df()
significant

# %% [markdown]
# ## How many gaps are withheld, by level and dimension
# Many commune gaps are withheld: a commune has few persons with a disability or seniors.

# %%
con.execute(
    """
    select geography_level, dimension, count(*) as gaps,
           count(*) filter (suppressed) as withheld,
           count(*) filter (significant) as significant
    from mart_equity_gaps group by all order by 1, 2
    """
).df()
