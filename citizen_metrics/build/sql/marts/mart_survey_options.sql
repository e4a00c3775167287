{% import 'jinja_macros.sql' as m with context %}
-- Shares of respondents citing each option (docs/methodology.md §3, participation items):
-- multi-select questions (a respondent may cite several options) and yes/no items, with the
-- rank of each option within its group. Same finest-cell-then-roll-up shape as the
-- indicators mart.
with cells as (
    select
        province_code, commune_code, {{ dimensions | join(', ') }},
{% for question, options in option_questions.items() %}
        count(*) filter ({{ question }} is not null) as {{ question }}__n,
        coalesce(sum(weight) filter ({{ question }} is not null), 0) as {{ question }}__w,
        coalesce(sum(weight * weight) filter ({{ question }} is not null), 0) as {{ question }}__w2,
{% for option in options %}
{% if question in multi_select_questions %}
{% set cites = "list_contains(string_split(" ~ question ~ ", ' '), '" ~ option ~ "')" %}
{% else %}
{% set cites = question ~ " = '" ~ option ~ "'" %}
{% endif %}
        count(*) filter ({{ cites }}) as {{ question }}__{{ option }}__n,
        coalesce(sum(weight) filter ({{ cites }}), 0) as {{ question }}__{{ option }}__w,
{% endfor %}
{% endfor %}
    from {{ ref('int_survey_responses') }}
    group by all
),
long_cells as (
{% for question, options in option_questions.items() %}
{% set outer = loop %}
{% for option in options %}
    select province_code, commune_code, {{ dimensions | join(', ') }},
           '{{ question }}' as question, '{{ option }}' as option,
           {{ question }}__n as n_respondents, {{ question }}__w as w_respondents,
           {{ question }}__w2 as w2_respondents,
           {{ question }}__{{ option }}__n as n_citing, {{ question }}__{{ option }}__w as w_citing
    from cells
    {% if not (loop.last and outer.last) %}union all{% endif %}
{% endfor %}
{% endfor %}
),
rolled as (
    select
        question, option,
        {{ m.geography_columns() }},
        {{ m.breakdown_columns(dimensions) }},
        sum(n_respondents)::bigint as n_respondents,
        sum(w_respondents) as w_respondents,
        sum(w2_respondents) as w2_respondents,
        sum(n_citing)::bigint as n_citing,
        sum(w_citing) as w_citing
    from long_cells
    group by question, option, {{ m.geography_sets() }}, {{ m.breakdown_sets(breakdowns) }}
),
estimates as (
    select r.*, e.estimate_type,
        case e.estimate_type when 'unweighted' then n_citing / nullif(n_respondents, 0)
             else w_citing / nullif(w_respondents, 0) end as share,
        case e.estimate_type when 'unweighted' then n_respondents::double
             else w_respondents * w_respondents / nullif(w2_respondents, 0) end as n_eff
    from rolled r
    cross join (values ('unweighted'), ('weighted')) e(estimate_type)
)
select
    x.geography_level, x.geography_code, g.geography_name, g.in_programme,
    x.breakdown, x.group_key, x.question, x.option, x.estimate_type,
    x.n_respondents,
    x.n_citing,
    x.share,
    wilson_low(published_share(x.share, x.estimate_type), x.n_eff) as ci_low,
    wilson_high(published_share(x.share, x.estimate_type), x.n_eff) as ci_high,
    -- Ranked on the share as published (rounded): equal published shares share a rank, and
    -- the last bits of a weighted sum never reorder options between two runs.
    rank() over (
        partition by x.geography_level, x.geography_code, x.breakdown, x.group_key,
                     x.question, x.estimate_type
        order by published_share(x.share, x.estimate_type) desc nulls last
    ) as rank,
    -- Set by pipeline/disclosure.
    false as suppressed,
    null::varchar as suppression
from estimates x
join {{ ref('ref_geography') }} g using (geography_level, geography_code)
order by x.geography_level, x.geography_code, x.breakdown, x.group_key, x.question,
         x.estimate_type, x.option
