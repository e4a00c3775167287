-- Accepted survey responses, one row each, with the disaggregation dimensions of
-- docs/methodology.md §2, typed scores, quality flags and the commune-population weight (§3).
-- Built from the pseudonymised staging rows; it never leaves the private warehouse.
with accepted as (
    select s.*, c.province_code, c.commune_type, c.population_2024, c.in_programme
    from {{ ref('stg_survey_rows') }} s
    join {{ ref('int_survey_dispositions') }} d using (source_file, source_row)
    join {{ ref('ref_communes') }} c on c.commune_code = s.commune
    where d.disposition = 'accepted'
),
-- Times are UTC instants; the day of an interview is its day in Morocco
-- ({{ local_time_zone }}, tz database): an interview at 00:30 local time on 1 January 2022
-- took place in 2022, although it was 23:30 UTC on 31 December.
typed as (
    select *,
        cast(age as integer) as age_years,
        coalesce(
            cast(timezone('{{ local_time_zone }}', timezone('UTC', started_at)) as date),
            interview_date,
            cast(timezone('{{ local_time_zone }}', timezone('UTC', submitted_at)) as date)
        ) as interview_day,
        -- The time a response is dated by (docs/methodology.md §6: submitted before the fieldwork
        -- began or in the future), and its local day; the device's date when it has no time at all.
        coalesce(submitted_at, started_at) as dated_at,
        coalesce(
            cast(timezone('{{ local_time_zone }}', timezone('UTC', coalesce(submitted_at, started_at))) as date),
            interview_date
        ) as dated_day
    from accepted
),
-- Counts by commune (for the weights) and by enumerator and day (for the overload flag),
-- aggregated apart and joined back: window functions over these wide rows cost more.
commune_counts as (
    select commune, count(*) as valid_responses from accepted group by commune
),
enumerator_days as (
    select enumerator_key, interview_day, count(*) as interviews
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
    -- NULL when the file has no sex column (a question left out is unanswered: unknown).
    coalesce(sex, 'unknown') as sex,
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
    typed.interview_day,
    -- The survey round whose dates hold the interview's local day; a day outside every
    -- round (flagged date_out_of_range, or between two rounds) goes to the nearest round, a
    -- response without any date to the programme's round for undated questionnaires
    -- (docs/methodology.md §2).
    case
        when typed.interview_day is null then '{{ undated_survey_round }}'
{% for r in survey_rounds %}
        when typed.interview_day <= date '{{ r.last_day }}' then
{% if loop.first %}
            '{{ r.code }}'
{% else %}
            case when typed.interview_day >= date '{{ r.first_day }}'
                      or date '{{ r.first_day }}' - typed.interview_day
                         < typed.interview_day - date '{{ loop.previtem.last_day }}'
                 then '{{ r.code }}' else '{{ loop.previtem.code }}' end
{% endif %}
{% endfor %}
        else '{{ survey_rounds[-1].code }}'
    end as survey_round,
    list_filter([
        case when ended_at - started_at < interval {{ short_interview_minutes }} minutes then 'short_interview' end,
        case when dated_day < date '{{ earliest_interview_date }}'
              or dated_at > timezone('UTC', now())
              or dated_day > cast(timezone('{{ local_time_zone }}', now()) as date)
             then 'date_out_of_range' end,
        case when e.interviews > {{ enumerator_daily_max }} then 'enumerator_overload' end
    ], lambda flag: flag is not null) as quality_flags,
    -- w = N_c / n_c: the commune's 2024 population over its number of valid responses.
    population_2024 / c.valid_responses as weight
from typed
join commune_counts c using (commune)
left join enumerator_days e
    on e.enumerator_key = typed.enumerator_key
    and e.interview_day is not distinct from typed.interview_day
