"""What the report shows, read from the published marts database (read-only).

The report depends on the published tables and their columns (docs/data_dictionary.md and the
`label_*` tables) only, never on how they are built. A suppressed figure is recognised by its
`suppressed` flag (NULL value; a participation share also by `withheld_shares`, a
participation count by its NULL on an existing row), a missing group by the absence of its
row: each query crosses the geographies with the full list of indicators and groups so
that both cases reach the figures as such, never as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from citizen_metrics.publish.report.trend import load_fieldwork, load_trend
from citizen_metrics.tables.marts import (
    MART_EQUITY_GAPS,
    MART_PARTICIPATION,
    MART_SURVEY_INDICATORS,
    MART_TARGETS,
)

# The breakdowns the report shows: the total and each dimension alone.
REPORT_BREAKDOWNS = ("total", "sex", "age_group", "disability", "residence")
PARTICIPATION_SHARES = ("share_women", "share_youth", "share_with_disability", "share_rural")
PROGRAMME_TIMEZONE = ZoneInfo("Africa/Casablanca")

_BREAKDOWN_LIST = ", ".join(f"'{b}'" for b in REPORT_BREAKDOWNS)


GEOGRAPHIES_SQL = """
    select geography_level, geography_code, name_fr, name_ar, province_code, in_programme,
           sort_order
    from label_geographies
    -- the report's geographies: the region, every province, every programme commune; or
    -- the one geography asked for ($code)
    where ($code::varchar is null and (geography_level <> 'commune' or in_programme))
       or geography_code = $code::varchar
"""


def _estimate_sql(level: str) -> str:
    """Province and region figures are read weighted; a commune's are the same both ways
    and are read unweighted (n_eff = n)."""
    return f"case when {level} = 'commune' then 'unweighted' else 'weighted' end"


SATISFACTION_SQL = f"""
    with geographies as ({GEOGRAPHIES_SQL}),
    indicators as (
        select indicator, service, label_fr, short_fr, sort_order from label_indicators
        where family = 'survey'
    ),
    groups as (
        select breakdown, group_key, breakdown_fr, label_fr, sort_order from label_groups
        where breakdown in ({_BREAKDOWN_LIST}) and group_key <> 'unknown'
          and not comparison_only
    )
    select g.geography_level, g.geography_code, i.indicator, i.short_fr as indicator_fr,
           i.label_fr as indicator_long_fr, i.service is not null as is_service,
           s.breakdown, s.group_key, s.breakdown_fr, s.label_fr as group_fr,
           m.estimate_type, m.n_respondents, m.n_rated, m.mean_score, m.satisfied_share,
           m.ci_low, m.ci_high, coalesce(m.suppressed, false) as suppressed,
           m.suppression,
           case when m.suppressed then coalesce(ls.label_fr, 'masqué') end as withheld_fr,
           -- no answer in the group (no row, or no score): not the same as withheld
           not coalesce(m.suppressed, false) and m.satisfied_share is null as missing
    from geographies g
    cross join indicators i
    cross join groups s
    left join {MART_SURVEY_INDICATORS.name} m
           on m.geography_level = g.geography_level and m.geography_code = g.geography_code
          and m.indicator = i.indicator and m.breakdown = s.breakdown
          and m.group_key = s.group_key
          and m.estimate_type = {_estimate_sql("g.geography_level")}
    left join label_codes ls on ls.code_list = 'suppression' and ls.code = m.suppression
    order by g.sort_order, i.sort_order, s.sort_order
"""

EQUITY_SQL = f"""
    with geographies as ({GEOGRAPHIES_SQL}),
    indicators as (
        select indicator, short_fr, sort_order from label_indicators where family = 'survey'
    ),
    dimensions as (
        select breakdown as dimension, any_value(breakdown_fr) as dimension_fr,
               min(sort_order) as sort_order
        from label_groups where breakdown in ({_BREAKDOWN_LIST}) and breakdown <> 'total'
        group by 1
    )
    select g.geography_level, g.geography_code, i.indicator, i.short_fr as indicator_fr,
           d.dimension, d.dimension_fr, m.group_a, m.group_b,
           la.label_fr as group_a_fr, lb.label_fr as group_b_fr,
           m.n_a, m.n_b, m.share_a, m.share_b, m.gap, m.ci_low, m.ci_high,
           coalesce(m.significant, false) as significant,
           coalesce(m.suppressed, false) as suppressed,
           not coalesce(m.suppressed, false) and m.gap is not null as shown,
           not coalesce(m.suppressed, false) and m.gap is null as missing_only
    from geographies g
    cross join indicators i
    cross join dimensions d
    left join {MART_EQUITY_GAPS.name} m
           on m.geography_level = g.geography_level and m.geography_code = g.geography_code
          and m.indicator = i.indicator and m.dimension = d.dimension
    left join label_groups la on la.breakdown = d.dimension and la.group_key = m.group_a
    left join label_groups lb on lb.breakdown = d.dimension and lb.group_key = m.group_b
    order by g.sort_order, d.sort_order, i.sort_order
"""

TARGETS_SQL = f"""
    with geographies as ({GEOGRAPHIES_SQL}),
    indicators as (
        select indicator, label_fr, sort_order from label_indicators
        where indicator in ({", ".join(f"'{s}'" for s in PARTICIPATION_SHARES)})
    ),
    rows as (
        select geography_level, geography_code, suppressed, suppression, attendances,
               unnest(['{"', '".join(PARTICIPATION_SHARES)}']) as indicator,
               unnest([{", ".join(PARTICIPATION_SHARES)}]) as actual,
               string_split(coalesce(withheld_shares, ''), ',') as withheld_shares
        from {MART_PARTICIPATION.name} where breakdown = 'total'
    ),
    shares as (
        -- a share is withheld with its row (`suppressed`), or alone on a published row
        -- (`withheld_shares`: its numerator would give a hidden share away)
        select *, suppressed or list_contains(withheld_shares, indicator) as withheld,
               case when suppressed then suppression
                    when list_contains(withheld_shares, indicator) then 'complementary'
               end as reason
        from rows
    )
    select g.geography_level, g.geography_code, i.indicator, i.label_fr as indicator_fr,
           t.target, s.actual, s.attendances, t.met,
           coalesce(s.withheld, false) as suppressed, s.reason as suppression,
           case when s.withheld then coalesce(ls.label_fr, 'masqué') end as withheld_fr,
           not coalesce(s.withheld, false) and s.actual is null as missing
    from geographies g
    cross join indicators i
    left join shares s on s.geography_level = g.geography_level
          and s.geography_code = g.geography_code and s.indicator = i.indicator
    left join {MART_TARGETS.name} t on t.geography_level = g.geography_level
          and t.geography_code = g.geography_code and t.indicator = i.indicator
    left join label_codes ls on ls.code_list = 'suppression' and ls.code = s.reason
    order by g.sort_order, i.sort_order
"""

HEADLINE_SQL = f"""
    with geographies as ({GEOGRAPHIES_SQL})
    select g.*, r.n_respondents, p.workshops, p.attendances, p.unique_participants,
           coalesce(p.counts_withheld, false) as counts_withheld,
           case when p.counts_withheld then coalesce(ls.label_fr, 'masqué') end
               as counts_withheld_fr,
           flags.flagged
    from geographies g
    left join (
        select geography_level, geography_code, max(n_respondents) as n_respondents
        from {MART_SURVEY_INDICATORS.name} where breakdown = 'total'
        group by all
    ) r using (geography_level, geography_code)
    left join (
        -- counts are withheld (NULL) where they would give a hidden share away
        select geography_level, geography_code, workshops, attendances, unique_participants,
               attendances is null as counts_withheld, suppression
        from {MART_PARTICIPATION.name} where breakdown = 'total'
    ) p using (geography_level, geography_code)
    left join label_codes ls on ls.code_list = 'suppression' and ls.code = p.suppression
    left join (
        -- flagged responses (quality_flags) of each commune, its province and the region
        select level as geography_level, code as geography_code,
               count(distinct (f.source_file, f.source_row)) as flagged
        from quality_flags f
        join label_geographies c on c.geography_level = 'commune'
             and c.geography_code = f.commune_code
        cross join lateral (
            values ('commune', c.geography_code), ('province', c.province_code),
                   ('region', (select geography_code from label_geographies
                               where geography_level = 'region'))
        ) v(level, code)
        group by all
    ) flags using (geography_level, geography_code)
    order by g.sort_order
"""

FLAGS_SQL = """
    select l.label_fr as flag_fr, f.flag, count(*) as responses
    from quality_flags f
    left join label_codes l on l.code_list = 'quality_flag' and l.code = f.flag
    group by all order by responses desc, flag
"""

QUARANTINE_SQL = """
    select coalesce(l.label_fr, q.rule) as rule_fr, q.rule, q.file_kind,
           count(distinct (q.source_file, q.sheet, q.source_row)) as rows,
           count(distinct q.source_file) as files
    from quality_quarantine q
    left join label_codes l on l.code_list = 'quarantine_rule' and l.code = q.rule
    group by all order by rows desc, rule
"""

FILES_SQL = """
    select f.source_file, f.sheet, coalesce(k.label_fr, f.file_kind) as file_kind_fr,
           f.status, coalesce(s.label_fr, f.status) as status_fr, f.reason, f.rows_read,
           f.accepted, f.duplicate, f.superseded, f.excluded_no_consent, f.quarantined,
           f.rows_accounted
    from quality_file_summary f
    left join label_codes k on k.code_list = 'file_kind' and k.code = f.file_kind
    left join label_codes s on s.code_list = 'file_status' and s.code = f.status
    order by f.status desc, f.file_kind, f.source_file, f.sheet
"""

# What disclosure control suppresses of the figures the report shows first: satisfaction,
# total and each dimension alone, read weighted for provinces and the region.
DISCLOSURE_SQL = """
    select d.geography_level,
           coalesce(sum(d.figures), 0)::bigint as figures,
           coalesce(sum(d.figures) filter (d.fate = 'published'), 0)::bigint as published,
           coalesce(sum(d.figures) filter (d.fate = 'primary'), 0)::bigint as too_few,
           coalesce(sum(d.figures) filter (d.fate = 'complementary'), 0)::bigint
               as protecting,
           coalesce(sum(d.figures_enough) filter (d.fate = 'complementary'), 0)::bigint
               as protecting_enough
    from quality_disclosure d
    where d.figure = 'satisfaction'
      and d.breakdown in ('total', 'sex', 'age_group', 'disability', 'residence')
      and d.estimate_type = case when d.geography_level = 'commune' then 'unweighted'
                                 else 'weighted' end
    group by 1
    order by case d.geography_level when 'region' then 1 when 'province' then 2 else 3 end
"""

CODE_LABELS_SQL = """
    select code_list, code, label_fr, label_ar from label_codes
    where code_list in ('disposition', 'suppression', 'estimate_type', 'geography_level')
    order by code_list, sort_order
"""


@dataclass(frozen=True)
class ReportData:
    """The published figures the report shows, one frame per theme, every geography."""

    data_as_of: datetime | None
    headline: pd.DataFrame
    satisfaction: pd.DataFrame
    equity: pd.DataFrame
    targets: pd.DataFrame
    files: pd.DataFrame
    quarantine: pd.DataFrame
    flags: pd.DataFrame
    disclosure: pd.DataFrame
    code_labels: pd.DataFrame
    # When the survey ran, and the figures by survey round (`report.trend`).
    fieldwork: pd.DataFrame = field(default_factory=pd.DataFrame)
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, as_of: datetime | None,
             geography_code: str | None = None) -> ReportData:
        """Every report geography, or one (`geography_code`) for a notebook."""
        def frame(sql: str) -> pd.DataFrame:
            parameters = {"code": geography_code} if "$code" in sql else {}
            return con.execute(sql, parameters).df()

        return cls(
            data_as_of=as_of,
            headline=frame(HEADLINE_SQL),
            satisfaction=frame(SATISFACTION_SQL),
            equity=frame(EQUITY_SQL),
            targets=frame(TARGETS_SQL),
            files=frame(FILES_SQL),
            quarantine=frame(QUARANTINE_SQL),
            flags=frame(FLAGS_SQL),
            disclosure=frame(DISCLOSURE_SQL),
            code_labels=frame(CODE_LABELS_SQL),
            fieldwork=load_fieldwork(con),
            trend=load_trend(con),
        )

    def label(self, code_list: str, code: str, default: str | None = None) -> str:
        rows = self.code_labels
        found = rows.loc[(rows["code_list"] == code_list) & (rows["code"] == code), "label_fr"]
        return str(found.iloc[0]) if len(found) else (default if default is not None else code)


DATA_AS_OF_SQL = """
    select coalesce(max(modified_at) filter (status = 'loaded'), max(modified_at))
    from quality_file_summary
"""


def data_as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The date the figures stand at, in Morocco's time: when the most recent file loaded
    was last modified (any file's, if none loaded; None without files). Read from the data,
    not the clock, so that two runs on the same files publish the same report; when a run
    published is in `manifest.json`."""
    row = con.execute(DATA_AS_OF_SQL).fetchone()
    moment = row[0] if row else None
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(PROGRAMME_TIMEZONE)

