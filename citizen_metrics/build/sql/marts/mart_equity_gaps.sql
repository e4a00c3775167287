-- Equity gaps in satisfied_share (docs/methodology.md §3): female − male, youth − (adult +
-- senior), with − without disability, rural − urban, for every geography × indicator, from
-- the unweighted shares, with Newcombe's hybrid score interval (method 10) built from the
-- two groups' Wilson intervals; everything from the groups' shares as published, so that a
-- gap and its interval say nothing the indicators mart does not. A gap whose groups do not
-- both have n_rated ≥ threshold is suppressed, and so are the two shares it would reveal;
-- so is a gap one of whose groups is withheld in mart_survey_indicators (the gap would
-- reveal it).
with contrasts(dimension, group_a, group_b, members_a, members_b) as (
    values
        ('sex', 'female', 'male', ['female'], ['male']),
        ('age_group', 'youth', 'adult+senior', ['youth'], ['adult', 'senior']),
        ('disability', 'with_disability', 'without_disability',
            ['with_disability'], ['without_disability']),
        ('residence', 'rural', 'urban', ['rural'], ['urban'])
),
sides as (
    -- A side's share from its groups' shares as published (adults and seniors together:
    -- their published shares weighted by their numbers): a reader can compute it, so it
    -- says nothing the indicators mart does not.
    select r.geography_level, r.geography_code, r.indicator, c.dimension,
           c.group_a, c.group_b,
           (sum(r.n_rated) filter (list_contains(c.members_a, r.group_key)))::bigint as n_a,
           sum(r.n_rated * published_share(r.n_satisfied / r.n_rated, 'unweighted'))
               filter (list_contains(c.members_a, r.group_key) and r.n_rated > 0) as sat_a,
           (sum(r.n_rated) filter (list_contains(c.members_b, r.group_key)))::bigint as n_b,
           sum(r.n_rated * published_share(r.n_satisfied / r.n_rated, 'unweighted'))
               filter (list_contains(c.members_b, r.group_key) and r.n_rated > 0) as sat_b
    from {{ ref('int_survey_rollup') }} r
    join contrasts c on r.breakdown = c.dimension
    group by all
),
hidden as (
    select geography_level, geography_code, indicator, breakdown as dimension,
           list(group_key) filter (suppressed) as hidden_groups
    from {{ ref('mart_survey_indicators') }}
    where estimate_type = 'unweighted' and breakdown in (select dimension from contrasts)
    group by all
),
shares as (
    select s.*,
           coalesce(n_a, 0) >= {{ threshold }} and coalesce(n_b, 0) >= {{ threshold }}
               and not list_has_any(c.members_a || c.members_b,
                                    coalesce(h.hidden_groups, []::varchar[]))
               as publishable,
           published_share(sat_a / nullif(n_a, 0), 'unweighted') as p_a,
           published_share(sat_b / nullif(n_b, 0), 'unweighted') as p_b
    from sides s
    join contrasts c using (dimension)
    left join hidden h using (geography_level, geography_code, indicator, dimension)
),
intervals as (
    select *,
           wilson_low(p_a, n_a) as l_a, wilson_high(p_a, n_a) as u_a,
           wilson_low(p_b, n_b) as l_b, wilson_high(p_b, n_b) as u_b
    from shares
)
select
    i.geography_level, i.geography_code, g.geography_name, g.in_programme,
    i.indicator, i.dimension, i.group_a, i.group_b,
    coalesce(i.n_a, 0) as n_a, coalesce(i.n_b, 0) as n_b,
    case when publishable then p_a end as share_a,
    case when publishable then p_b end as share_b,
    case when publishable then p_a - p_b end as gap,
    case when publishable then newcombe_low(p_a, l_a, u_a, p_b, l_b, u_b) end as ci_low,
    case when publishable then newcombe_high(p_a, l_a, u_a, p_b, l_b, u_b) end as ci_high,
    case when publishable then
        newcombe_low(p_a, l_a, u_a, p_b, l_b, u_b) > 0
        or newcombe_high(p_a, l_a, u_a, p_b, l_b, u_b) < 0 end as significant,
    not publishable as suppressed
from intervals i
join {{ ref('ref_geography') }} g using (geography_level, geography_code)
order by i.geography_level, i.geography_code, i.indicator, i.dimension
