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
    MART_SURVEY_OPTIONS,
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

# The printed factsheet of a commune (also computed for provinces and the region): the
# services with the lowest published satisfaction, and the largest published equity gaps.
# Suppressed and empty figures take no part in a ranking: a council must not read a
# service as lagging, or a gap as wide, on a figure nobody may see.
FACTSHEET_SERVICES = 3
FACTSHEET_GAPS = 5

LAGGING_SERVICES_SQL = f"""
    with geographies as ({GEOGRAPHIES_SQL}),
    services as (
        select g.geography_code, i.short_fr as service_fr, i.sort_order,
               -- a suppressed figure is known by its flag, whatever its row holds
               case when not m.suppressed then m.satisfied_share end as satisfied_share,
               m.ci_low, m.ci_high, m.n_rated, coalesce(m.suppressed, false) as suppressed
        from geographies g
        cross join label_indicators i
        left join {MART_SURVEY_INDICATORS.name} m
               on m.geography_level = g.geography_level
              and m.geography_code = g.geography_code and m.indicator = i.indicator
              and m.breakdown = 'total'
              and m.estimate_type = {_estimate_sql("g.geography_level")}
        where i.family = 'survey' and i.service is not null
    ),
    ranked as (
        select *,
               count(*) over geography as services,
               count(satisfied_share) over geography as services_published,
               count(*) filter (suppressed) over geography as services_suppressed,
               row_number() over (partition by geography_code
                                  order by satisfied_share asc nulls last, sort_order)
                   as rank
        from services
        window geography as (partition by geography_code)
    )
    select geography_code, rank, service_fr, satisfied_share, ci_low, ci_high, n_rated,
           services, services_published, services_suppressed
    from ranked
    where rank <= {FACTSHEET_SERVICES} and satisfied_share is not null
    order by geography_code, rank
"""

WIDEST_GAPS_SQL = f"""
    with geographies as ({GEOGRAPHIES_SQL}),
    published as (
        select g.geography_code, i.short_fr as indicator_fr, la.label_fr as group_a_fr,
               lb.label_fr as group_b_fr, m.gap, m.ci_low, m.ci_high, m.significant,
               m.n_a, m.n_b, i.sort_order as indicator_order, la.sort_order as group_order
        from geographies g
        join {MART_EQUITY_GAPS.name} m on m.geography_level = g.geography_level
             and m.geography_code = g.geography_code
        join label_indicators i on i.indicator = m.indicator
        join label_groups la on la.breakdown = m.dimension and la.group_key = m.group_a
        join label_groups lb on lb.breakdown = m.dimension and lb.group_key = m.group_b
        where not coalesce(m.suppressed, false) and m.gap is not null
    ),
    ranked as (
        -- significant gaps first (their interval excludes 0), then the widest
        select *, count(*) over (partition by geography_code) as gaps_published,
               row_number() over (partition by geography_code
                                  order by significant desc, abs(gap) desc, indicator_order,
                                           group_order) as rank
        from published
    )
    select geography_code, rank, indicator_fr, group_a_fr, group_b_fr, gap, ci_low, ci_high,
           significant, n_a, n_b, gaps_published
    from ranked
    where rank <= {FACTSHEET_GAPS}
    order by geography_code, rank
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


# The survey's other questions (issue 20, item 2): usage of each service, the yes/no
# questions of citizen participation (the share answering yes: knowing the communal action
# plan, having attended a consultation, having asked for information…) and each option of
# the multi-select questions (information channels, priorities). Which questions are which
# comes from the questionnaire (`label_questions.type`), never from a list in code. One
# `block` per chart of a page: `usage`, `yes_no`, or the multi-select question's name.
_SURVEY_FIGURES = f"""
    -- usage rates rest on the yes/no answers to the usage question; no interval is
    -- published for them, and no reason of their own (`usage_suppressed`)
    select 'usage' as block, indicator as item, geography_level, geography_code, breakdown,
           group_key, estimate_type, usage_rate as share, null::double as ci_low,
           null::double as ci_high, n_use_answered as n, usage_suppressed as suppressed,
           null::varchar as suppression, null::bigint as rank
    from {MART_SURVEY_INDICATORS.name}
    where indicator in (select indicator from label_indicators where service is not null)
    union all
    select case q.type when 'select one' then 'yes_no' else o.question end, case q.type
           when 'select one' then o.question else o.option end, o.geography_level,
           o.geography_code, o.breakdown, o.group_key, o.estimate_type, o.share, o.ci_low,
           o.ci_high, o.n_respondents, o.suppressed, o.suppression, o.rank
    from {MART_SURVEY_OPTIONS.name} o
    join label_questions q using (question)
    -- a yes/no question is read as the share answering yes
    where q.type = 'select all that apply' or o.option = 'yes'
"""

_SURVEY_ITEMS = f"""
    select 'usage' as block, 0 as block_order, indicator as item, short_fr as item_fr,
           label_fr as item_long_fr, sort_order
    from label_indicators where service is not null
    union all
    select 'yes_no', 1, question, label_fr, label_fr, sort_order
    from label_questions
    where type = 'select one'
      and question in (select question from {MART_SURVEY_OPTIONS.name})
    union all
    select o.question, 2 + q.sort_order, o.option, o.label_fr, o.label_fr, o.sort_order
    from label_options o join label_questions q using (question)
    where q.type = 'select all that apply'
      and q.question in (select question from {MART_SURVEY_OPTIONS.name})
"""

QUESTIONS_SQL = f"""
    with geographies as ({GEOGRAPHIES_SQL}),
    items as ({_SURVEY_ITEMS}),
    figures as ({_SURVEY_FIGURES}),
    groups as (
        select breakdown, group_key, breakdown_fr, label_fr, sort_order from label_groups
        where breakdown in ({_BREAKDOWN_LIST}) and group_key <> 'unknown'
          and not comparison_only
    ),
    cells as (
        select g.geography_level, g.geography_code, g.sort_order as geography_order,
               i.block, i.block_order, coalesce(q.label_fr, i.block) as block_fr, i.item,
               i.item_fr, i.item_long_fr, i.sort_order as item_order,
               s.breakdown, s.group_key, s.breakdown_fr, s.label_fr as group_fr,
               s.sort_order as group_order,
               f.estimate_type, f.n, f.share, f.ci_low, f.ci_high,
               coalesce(f.suppressed, false) as suppressed, f.suppression,
               case when f.suppressed then coalesce(ls.label_fr, 'masqué') end
                   as withheld_fr,
               not coalesce(f.suppressed, false) and f.share is null as missing,
               -- an option's rank among the options, for all respondents (published rank)
               max(f.rank) filter (s.breakdown = 'total' and not f.suppressed) over item
                   as total_rank
        from geographies g
        cross join items i
        cross join groups s
        left join label_questions q on q.question = i.block
        left join figures f
               on f.geography_level = g.geography_level
              and f.geography_code = g.geography_code
              and f.block = i.block and f.item = i.item and f.breakdown = s.breakdown
              and f.group_key = s.group_key
              and f.estimate_type = {_estimate_sql("g.geography_level")}
        left join label_codes ls on ls.code_list = 'suppression' and ls.code = f.suppression
        window item as (partition by g.geography_code, i.block, i.item)
    )
    select * exclude (geography_order, block_order, item_order, group_order)
    from cells
    -- options ranked by their share among all respondents (ties and withheld ones in the
    -- questionnaire's order); services and yes/no questions in the questionnaire's order
    order by geography_order, block_order,
             case when block not in ('usage', 'yes_no') then total_rank end nulls last,
             item_order, group_order
"""

# Communes side by side (issue 20, item 3): for the region and each province, its
# programme communes on each indicator a manager may choose (satisfaction, usage, the
# yes/no participation questions), all respondents, with the parent's own figure.
RANKING_SQL = f"""
    with parents as (
        select geography_level, geography_code, name_fr, sort_order from label_geographies
        where geography_level in ('region', 'province')
          and ($code::varchar is null or geography_code = $code::varchar)
    ),
    members as (
        select p.geography_level as parent_level, p.geography_code as parent_code,
               p.name_fr as parent_fr, p.sort_order as parent_order,
               c.geography_code as commune_code, c.name_fr, c.name_ar,
               pr.name_fr as province_fr
        from parents p
        join label_geographies c on c.geography_level = 'commune' and c.in_programme
             and (p.geography_level = 'region' or c.province_code = p.geography_code)
        left join label_geographies pr on pr.geography_level = 'province'
             and pr.geography_code = c.province_code
    ),
    choices as (
        select 'satisfaction' as family, 0 as family_order, indicator as choice,
               short_fr as choice_fr, label_fr as choice_long_fr, sort_order
        from label_indicators where family = 'survey'
        union all
        select 'usage', 1, item, item_fr, item_long_fr, sort_order
        from ({_SURVEY_ITEMS}) where block = 'usage'
        union all
        select 'yes_no', 2, item, item_fr, item_long_fr, sort_order
        from ({_SURVEY_ITEMS}) where block = 'yes_no'
    ),
    figures as (
        select 'satisfaction' as family, indicator as choice, geography_level,
               geography_code, estimate_type, satisfied_share as share, ci_low, ci_high,
               n_rated as n, suppressed, suppression
        from {MART_SURVEY_INDICATORS.name} where breakdown = 'total'
        union all
        select block, item, geography_level, geography_code, estimate_type, share, ci_low,
               ci_high, n, suppressed, suppression
        from ({_SURVEY_FIGURES})
        where breakdown = 'total' and block in ('usage', 'yes_no')
    ),
    rows as (
        select m.*, ch.family, ch.family_order, ch.choice, ch.choice_fr, ch.choice_long_fr,
               ch.sort_order as choice_order,
               f.share, f.ci_low, f.ci_high, f.n,
               coalesce(f.suppressed, false) as suppressed,
               case when f.suppressed then coalesce(ls.label_fr, 'masqué') end
                   as withheld_fr,
               not coalesce(f.suppressed, false) and f.share is null as missing,
               -- the province's or the region's own figure (weighted), a reference line
               pf.share as parent_share, coalesce(pf.suppressed, false) as parent_suppressed
        from members m
        cross join choices ch
        -- a commune's figures are read unweighted (the same both ways)
        left join figures f on f.family = ch.family and f.choice = ch.choice
              and f.geography_level = 'commune' and f.geography_code = m.commune_code
              and f.estimate_type = 'unweighted'
        left join figures pf on pf.family = ch.family and pf.choice = ch.choice
              and pf.geography_level = m.parent_level
              and pf.geography_code = m.parent_code and pf.estimate_type = 'weighted'
        left join label_codes ls on ls.code_list = 'suppression' and ls.code = f.suppression
    )
    select * exclude (parent_order, family_order, choice_order),
           -- 1 = the highest published share; equal shares share a rank
           case when share is not null then rank() over (
               partition by parent_code, family, choice order by share desc nulls last)
           end as rank
    from rows
    -- published first, highest first; then the masked; then communes without a figure
    order by parent_order, family_order, choice_order, share desc nulls last,
             suppressed desc, name_fr
"""


@dataclass(frozen=True)
class ReportData:
    """The published figures the report shows, one frame per theme, every geography."""

    data_as_of: datetime | None
    headline: pd.DataFrame
    satisfaction: pd.DataFrame
    equity: pd.DataFrame
    targets: pd.DataFrame
    lagging_services: pd.DataFrame
    widest_gaps: pd.DataFrame
    files: pd.DataFrame
    quarantine: pd.DataFrame
    flags: pd.DataFrame
    disclosure: pd.DataFrame
    code_labels: pd.DataFrame
    questions: pd.DataFrame
    ranking: pd.DataFrame
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
            lagging_services=frame(LAGGING_SERVICES_SQL),
            widest_gaps=frame(WIDEST_GAPS_SQL),
            files=frame(FILES_SQL),
            quarantine=frame(QUARANTINE_SQL),
            flags=frame(FLAGS_SQL),
            disclosure=frame(DISCLOSURE_SQL),
            code_labels=frame(CODE_LABELS_SQL),
            questions=frame(QUESTIONS_SQL),
            ranking=frame(RANKING_SQL),
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

