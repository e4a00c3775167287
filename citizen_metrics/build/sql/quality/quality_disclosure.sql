-- What disclosure control withholds, and why (docs/methodology.md §5: "how much is withheld, and
-- why, is published with the figures"): every published figure of the marts once, by kind
-- of figure, geography level, breakdown, estimate type and fate (published, or the reason it
-- is withheld), with how many rest on at least the threshold of people. A commune's rows by
-- commune type repeat its own rows and are not counted again.
with figures as (
    select 'satisfaction' as figure, geography_level, breakdown, estimate_type,
           coalesce(suppression, 'published') as fate, n_rated as people
    from {{ ref('mart_survey_indicators') }}
    where n_rated > 0
    union all
    -- Usage rates carry no reason of their own: the same rules say it.
    select 'usage', geography_level, breakdown, estimate_type,
           case when not usage_suppressed then 'published'
                when {{ commune_pairs }} then 'commune_pair'
                when estimate_type = 'weighted' and {{ weighted_pairs }} then 'weighted_pair'
                when breakdown like '%survey_round%' and rounds_enough < 2 then 'single_round'
                when n_use_answered < {{ threshold }} then 'primary'
                else 'complementary' end,
           n_use_answered
    from (
        -- A province's or the region's rounds resting on enough people: with fewer than
        -- two, its figures by round are withheld by design (families.single_round).
        select *, count(*) filter (breakdown = 'survey_round'
                                   and n_use_answered >= {{ threshold }})
                      over (partition by indicator, geography_code, estimate_type)
                      as rounds_enough
        from {{ ref('mart_survey_indicators') }}
    )
    where n_use_answered > 0
    union all
    select 'option', geography_level, breakdown, estimate_type,
           coalesce(suppression, 'published'), n_respondents
    from {{ ref('mart_survey_options') }}
    where n_respondents > 0
    union all
    -- A participation row whose count is withheld counts as resting on nobody known.
    select 'participation', geography_level, breakdown, 'unweighted',
           case when suppressed then coalesce(suppression, 'complementary')
                else 'published' end,
           coalesce(attendances, 0)
    from {{ ref('mart_participation') }}
    where coalesce(attendances, 1) > 0 and breakdown not like '%,%'
    union all
    select 'category', geography_level, breakdown, 'unweighted',
           case when not categories_suppressed then 'published'
                when attendances < {{ threshold }} then 'primary'
                else 'complementary' end,
           coalesce(attendances, 0)
    from {{ ref('mart_participation') }}
    where coalesce(attendances, 1) > 0
    union all
    select 'equity_gap', geography_level, dimension, 'unweighted',
           case when not suppressed then 'published'
                when least(n_a, n_b) < {{ threshold }} then 'primary'
                else 'complementary' end,
           least(n_a, n_b)
    from {{ ref('mart_equity_gaps') }}
    where n_a > 0 and n_b > 0
)
select figure, geography_level, breakdown, estimate_type, fate,
       count(*)::bigint as figures,
       (count(*) filter (people >= {{ threshold }}))::bigint as figures_enough,
       (count(*) filter (fate <> 'published'))::bigint as withheld
from figures
where not (geography_level = 'commune' and breakdown like '%commune_type%')
group by all
order by all
