{% import 'jinja_macros.sql' as m with context %}
-- The sums behind the satisfaction and trust indicators (docs/methodology.md §3) for every
-- geography × breakdown × group × indicator, before anything is withheld: the indicators
-- mart computes its estimates from them, the equity gaps their unweighted shares.
--
-- Fast shape: responses are aggregated once to the finest cell (commune × the dimensions),
-- keeping counts and weight sums for every indicator; the small cell table is then turned
-- long (one row per indicator) and rolled up with GROUPING SETS. Means, shares and
-- intervals are computed last from the sums, so they are exact at every level.
with cells as (
    select
        province_code, commune_code, {{ survey_dimensions | join(', ') }},
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
    from {{ ref('int_survey_responses') }}
    group by all
),
long_cells as (
{% for q in likert_questions %}
    select province_code, commune_code, {{ survey_dimensions | join(', ') }},
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
        {{ m.breakdown_columns(survey_dimensions) }},
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
    group by indicator, {{ m.geography_sets() }}, {{ m.breakdown_sets(survey_breakdowns) }}
)
select * from rolled
