{% import '_macros.sql' as m with context %}
-- Satisfaction and trust indicators (INDICATORS.md §3) for every geography × breakdown ×
-- group × indicator, unweighted and weighted.
--
-- `int_survey_rollup` keeps the unsuppressed sums (for the equity gaps); the mart publishes.
-- Fast shape: responses are aggregated once to the finest cell (commune × the dimensions),
-- keeping counts and weight sums for every indicator; the small cell table is then turned
-- long (one row per indicator) and rolled up with GROUPING SETS. Means, shares and
-- intervals are computed last from the sums, so they are exact at every level.
create or replace table int_survey_rollup as
with cells as (
    select
        province_code, commune_code, {{ dimensions | join(', ') }},
        count(*) as n_respondents,
        sum(weight) as w_respondents,
{% for q in likert_questions %}
{% set rated = q ~ " between 1 and 5" %}
{% set used = "used_" ~ q[4:] if q[4:] in services else none %}
        count(*) filter ({{ rated }}) as {{ q }}__n_rated,
        count(*) filter ({{ q }} = 9) as {{ q }}__n_dont_know,
        sum({{ q }}) filter ({{ rated }}) as {{ q }}__sum_score,
        count(*) filter ({{ q }} >= 4 and {{ q }} <= 5) as {{ q }}__n_satisfied,
        coalesce(sum(weight) filter ({{ rated }}), 0) as {{ q }}__w_rated,
        coalesce(sum(weight * weight) filter ({{ rated }}), 0) as {{ q }}__w2_rated,
        coalesce(sum(weight * {{ q }}) filter ({{ rated }}), 0) as {{ q }}__w_score,
        coalesce(sum(weight) filter ({{ q }} >= 4 and {{ q }} <= 5), 0) as {{ q }}__w_satisfied,
{% if used %}
        count(*) filter ({{ used }} in ('yes', 'no')) as {{ q }}__n_use_answered,
        count(*) filter ({{ used }} = 'yes') as {{ q }}__n_used,
        coalesce(sum(weight) filter ({{ used }} in ('yes', 'no')), 0) as {{ q }}__w_use_answered,
        coalesce(sum(weight) filter ({{ used }} = 'yes'), 0) as {{ q }}__w_used,
{% else %}
        null::bigint as {{ q }}__n_use_answered,
        null::bigint as {{ q }}__n_used,
        null::double as {{ q }}__w_use_answered,
        null::double as {{ q }}__w_used,
{% endif %}
{% endfor %}
    from int_survey_responses
    group by all
),
long_cells as (
{% for q in likert_questions %}
    select province_code, commune_code, {{ dimensions | join(', ') }},
           '{{ q }}' as indicator, n_respondents, w_respondents,
           {{ q }}__n_rated as n_rated, {{ q }}__n_dont_know as n_dont_know,
           {{ q }}__sum_score as sum_score, {{ q }}__n_satisfied as n_satisfied,
           {{ q }}__w_rated as w_rated, {{ q }}__w2_rated as w2_rated,
           {{ q }}__w_score as w_score, {{ q }}__w_satisfied as w_satisfied,
           {{ q }}__n_use_answered as n_use_answered, {{ q }}__n_used as n_used,
           {{ q }}__w_use_answered as w_use_answered, {{ q }}__w_used as w_used
    from cells
    {% if not loop.last %}union all{% endif %}
{% endfor %}
),
rolled as (
    select
        indicator,
        {{ m.geography_columns() }},
        {{ m.breakdown_columns(dimensions) }},
        sum(n_respondents)::bigint as n_respondents,
        sum(n_rated)::bigint as n_rated,
        sum(n_dont_know)::bigint as n_dont_know,
        sum(sum_score)::bigint as sum_score,
        sum(n_satisfied)::bigint as n_satisfied,
        sum(w_rated) as w_rated,
        sum(w2_rated) as w2_rated,
        sum(w_score) as w_score,
        sum(w_satisfied) as w_satisfied,
        sum(n_use_answered)::bigint as n_use_answered,
        sum(n_used)::bigint as n_used,
        sum(w_use_answered) as w_use_answered,
        sum(w_used) as w_used
    from long_cells
    group by indicator, {{ m.geography_sets() }}, {{ m.breakdown_sets(breakdowns) }}
)
select * from rolled;

-- Estimates from the rolled-up sums; pipeline/disclosure then withholds what must be.
create or replace table mart_survey_indicators as
with estimates as (
    select
        r.*,
        e.estimate_type,
        case e.estimate_type
            when 'unweighted' then n_used / nullif(n_use_answered, 0)
            else w_used / nullif(w_use_answered, 0) end as usage_rate,
        case e.estimate_type
            when 'unweighted' then sum_score / nullif(n_rated, 0)
            else w_score / nullif(w_rated, 0) end as mean_score,
        case e.estimate_type
            when 'unweighted' then n_satisfied / nullif(n_rated, 0)
            else w_satisfied / nullif(w_rated, 0) end as satisfied_share,
        -- Kish effective sample size of the rated respondents: (Σw)² / Σw².
        case e.estimate_type
            when 'unweighted' then n_rated::double
            else w_rated * w_rated / nullif(w2_rated, 0) end as n_eff
    from int_survey_rollup r
    cross join (values ('unweighted'), ('weighted')) e(estimate_type)
)
select
    x.geography_level,
    x.geography_code,
    g.geography_name,
    g.in_programme,
    x.breakdown,
    x.group_key,
    x.indicator,
    x.estimate_type,
    x.n_respondents,
    x.n_rated,
    x.n_dont_know,
    x.n_use_answered,
    x.usage_rate,
    x.mean_score,
    x.satisfied_share,
    wilson_low(x.satisfied_share, x.n_eff) as ci_low,
    wilson_high(x.satisfied_share, x.n_eff) as ci_high,
    x.n_eff,
    -- Set by pipeline/disclosure (primary, complementary and weighted suppression).
    false as suppressed,
    null::varchar as suppression,
    false as usage_suppressed
from estimates x
join ref_geography g using (geography_level, geography_code)
order by x.geography_level, x.geography_code, x.breakdown, x.group_key, x.indicator,
         x.estimate_type
