-- Satisfaction and trust indicators (docs/methodology.md §3) for every geography × breakdown ×
-- group × indicator, unweighted and weighted: means, shares and Wilson intervals from the
-- rolled-up sums (an interval from its share as published: it says nothing more);
-- pipeline/disclosure then withholds what must be and rounds the rest.
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
    from {{ ref('int_survey_rollup') }} r
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
    wilson_low(published_share(x.satisfied_share, x.estimate_type), x.n_eff) as ci_low,
    wilson_high(published_share(x.satisfied_share, x.estimate_type), x.n_eff) as ci_high,
    x.n_eff,
    -- Set by pipeline/disclosure (primary, complementary and weighted suppression).
    false as suppressed,
    null::varchar as suppression,
    false as usage_suppressed
from estimates x
join {{ ref('ref_geography') }} g using (geography_level, geography_code)
order by x.geography_level, x.geography_code, x.breakdown, x.group_key, x.indicator,
         x.estimate_type
