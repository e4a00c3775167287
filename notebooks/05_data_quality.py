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
# # Data quality by file, rule and interviewer
#
# Where each row of each received file went (`quality_file_summary`), which rules the
# quarantined rows break (`quality_quarantine`), and which accepted interviews look
# doubtful (`quality_flags`).
#
# Interviewer (enumerator) codes are personal data and are **never published**: the
# marts only say which accepted responses belong to an interviewer with more than 25
# interviews in a day (`enumerator_overload`), by file, row and commune. A supervisor
# finds the interviewer in the source file from the file name and row number.

# %%
import plotly.express as px
import plotly.io as pio

from citizen_metrics.publish.access import open_marts

pio.renderers.default = "plotly_mimetype+notebook"  # drawn in Jupyter and in exported HTML
con = open_marts()

# %% [markdown]
# ## Every file: rows read and where they went

# %%
con.execute(
    """
    select source_file, sheet, file_kind, status, reason, rows_read, accepted, duplicate,
           superseded, excluded_no_consent, quarantined, rows_accounted
    from quality_file_summary order by file_kind, source_file, sheet
    """
).df()

# %% [markdown]
# ## Quarantined rows by rule and file
# Rows (a row breaking two rules counts under both rules).

# %%
by_rule = con.execute(
    """
    select coalesce(l.label_fr, q.rule) as rule, q.source_file,
           count(distinct (q.source_file, q.sheet, q.source_row)) as rows
    from quality_quarantine q
    left join label_codes l on l.code_list = 'quarantine_rule' and l.code = q.rule
    group by all
    """
).df()
by_rule.pivot_table(index="rule", columns="source_file", values="rows", aggfunc="sum",
                    fill_value=0, margins=True, margins_name="total")

# %%
totals = by_rule.groupby("rule", as_index=False)["rows"].sum().sort_values("rows")
figure = px.bar(totals, x="rows", y="rule", orientation="h", text="rows",
                labels={"rows": "lignes en quarantaine", "rule": ""},
                title="Lignes mises en quarantaine, par règle")
figure

# %% [markdown]
# ## Doubtful interviews by flag and commune
# `enumerator_overload` rows point to interviewers to talk to; `short_interview` to
# interviews to check with the supervisor.

# %%
con.execute(
    """
    select g.province_name_fr as province, g.name_fr as commune, l.label_fr as flag,
           count(*) as responses, count(distinct f.source_file) as files
    from quality_flags f
    left join label_geographies g on g.geography_level = 'commune'
         and g.geography_code = f.commune_code
    left join label_codes l on l.code_list = 'quality_flag' and l.code = f.flag
    group by all order by responses desc, province, commune, flag
    """
).df()
