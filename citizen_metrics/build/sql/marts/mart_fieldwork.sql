{% import 'jinja_macros.sql' as m with context %}
-- When the survey ran (docs/methodology.md §2): the first and last day of interview and the
-- number of valid responses, for each commune over the whole period, and for each province
-- and the region over the whole period (`survey_round` = 'all') and round by round. Days
-- come from the interviews' local days; a response whose date is out of range (flag
-- `date_out_of_range`: a device clock years ahead, a pilot before the fieldwork) counts but
-- does not stretch the period. A commune's responses by round are not published (nor are
-- its figures by round: docs/methodology.md §5).
with responses as (
    select province_code, commune_code, survey_round,
           case when not list_contains(quality_flags, 'date_out_of_range')
                then interview_day end as dated_day
    from {{ ref('int_survey_responses') }}
),
periods as (
    select
        {{ m.geography_columns() }},
        coalesce(survey_round, 'all') as survey_round,
        min(dated_day) as first_interview_day,
        max(dated_day) as last_interview_day,
        count(*)::bigint as n_respondents
    from responses
    group by grouping sets (
        (province_code, commune_code), (province_code), (),
        (province_code, survey_round), (survey_round)
    )
)
select p.geography_level, p.geography_code, g.geography_name, g.in_programme,
       p.survey_round, p.first_interview_day, p.last_interview_day, p.n_respondents
from periods p
join {{ ref('ref_geography') }} g using (geography_level, geography_code)
order by p.geography_level, p.geography_code, p.survey_round = 'all' desc, p.survey_round
