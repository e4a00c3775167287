-- Accepted survey responses, one row each, with the disaggregation dimensions of
-- INDICATORS.md §2, typed scores, quality flags and the commune-population weight (§3).
-- Built from the pseudonymised staging rows; it never leaves the private warehouse.
create or replace table int_survey_responses as
with accepted as (
    select s.*, c.province_code, c.commune_type, c.population_2024, c.in_programme
    from stg_survey_rows s
    join int_survey_dispositions d using (source_file, source_row)
    join ref_communes c on c.commune_code = s.commune
    where d.disposition = 'accepted'
),
typed as (
    select *,
        cast(age as integer) as age_years,
        coalesce(started_at, submitted_at) as interviewed_at
    from accepted
),
-- Counts by commune (for the weights) and by enumerator and day (for the overload flag),
-- aggregated apart and joined back: window functions over these wide rows cost more.
commune_counts as (
    select commune, count(*) as valid_responses from accepted group by commune
),
enumerator_days as (
    select enumerator_key, cast(interviewed_at as date) as interview_day,
           count(*) as interviews
    from typed where enumerator_key is not null group by all
)
select
    source_file,
    source_row,
    file_shape,
    province_code,
    commune as commune_code,
    commune_type,
    in_programme,
    sex,
    age_years as age,
    case
        when age_years between {{ youth_min_age }} and {{ youth_max_age }} then 'youth'
        when age_years > {{ youth_max_age }} and age_years < {{ senior_min_age }} then 'adult'
        when age_years >= {{ senior_min_age }} then 'senior'
        else 'unknown'
    end as age_group,
    -- Washington Group short set: any "a lot of difficulty" (3) or "cannot do" (4) is a
    -- disability; all six answered 1 or 2 is none; otherwise (7 refused, 9 don't know,
    -- missing) it is unknown.
    case
        when list_has_any([{{ wg_items | join(', ') }}], ['3', '4']) then 'with_disability'
        when {% for item in wg_items %}{{ item }} in ('1', '2'){% if not loop.last %} and {% endif %}{% endfor %}
            then 'without_disability'
        else 'unknown'
    end as disability,
    case when milieu in ('urban', 'rural') then milieu else 'unknown' end as residence,
{% for service in services %}
    used_{{ service }},
{% endfor %}
{% for question in likert_questions %}
    cast({{ question }} as integer) as {{ question }},
{% endfor %}
{% for question in yes_no_items %}
    {{ question }},
{% endfor %}
{% for question in multi_select_questions %}
    {{ question }},
{% endfor %}
    submitted_at,
    started_at,
    ended_at,
    list_filter([
        case when ended_at - started_at < interval 5 minutes then 'short_interview' end,
        case when coalesce(submitted_at, interviewed_at) < timestamp '2022-01-01'
              or coalesce(submitted_at, interviewed_at) > now()::timestamp
             then 'date_out_of_range' end,
        case when e.interviews > 25 then 'enumerator_overload' end
    ], lambda flag: flag is not null) as quality_flags,
    -- w = N_c / n_c: the commune's 2024 population over its number of valid responses.
    population_2024 / c.valid_responses as weight
from typed
join commune_counts c using (commune)
left join enumerator_days e
    on e.enumerator_key = typed.enumerator_key
    and e.interview_day is not distinct from cast(typed.interviewed_at as date)
