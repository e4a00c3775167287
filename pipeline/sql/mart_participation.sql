{% import '_macros.sql' as m with context %}
-- Workshop participation (INDICATORS.md §4) for every geography × breakdown × group:
-- workshops, attendances, unique participants, shares of women, youth, persons with a
-- disability and rural residents, shares by participant category, and workshops by type.
-- For a group (e.g. women), `workshops` counts the workshops that group attended; the
-- `total` row counts every accepted workshop, attended or not.
create or replace table mart_participation as
with workshop_totals as (
    select
        {{ m.geography_columns() }},
        count(distinct workshop_id) as workshops_held,
{% for type in workshop_types %}
        count(distinct workshop_id) filter (workshop_type = '{{ type }}') as workshops_{{ type }},
{% endfor %}
    from int_workshops
    group by {{ m.geography_sets() }}
),
rolled as (
    select
        {{ m.geography_columns() }},
        {{ m.breakdown_columns(dimensions) }},
        count(distinct workshop_id) as workshops_attended,
        count(*) as attendances,
        count(distinct person_id) as unique_participants,
        count(*) filter (sex = 'female') as n_women,
        count(*) filter (age_group = 'youth') as n_youth,
        count(*) filter (disability = 'with_disability') as n_with_disability,
        count(*) filter (residence = 'rural') as n_rural,
{% for category in categories %}
        count(*) filter (category = '{{ category }}') as n_{{ category }},
{% endfor %}
    from int_attendances
    group by {{ m.geography_sets() }}, {{ m.breakdown_sets(breakdowns) }}
),
-- Every geography and the total breakdown exist even where nobody attended yet.
frame as (
    select t.geography_level, t.geography_code, coalesce(r.breakdown, 'total') as breakdown,
           coalesce(r.group_key, 'all') as group_key
    from workshop_totals t
    left join rolled r on r.geography_level = t.geography_level
        and r.geography_code = t.geography_code and r.breakdown = 'total'
    union
    select geography_level, geography_code, breakdown, group_key from rolled
)
select
    f.geography_level, f.geography_code, g.geography_name, g.in_programme,
    f.breakdown, f.group_key,
    case when f.breakdown = 'total' then coalesce(t.workshops_held, 0)
         else r.workshops_attended end as workshops,
    coalesce(r.attendances, 0) as attendances,
    coalesce(r.unique_participants, 0) as unique_participants,
    {% for share in ["women", "youth", "with_disability", "rural"] + categories %}
    r.n_{{ share }} / r.attendances as share_{{ share }},
    {% endfor %}
    {% for type in workshop_types %}
    case when f.breakdown = 'total' then coalesce(t.workshops_{{ type }}, 0) end
        as workshops_{{ type }},
    {% endfor %}
    -- Set by pipeline/disclosure.py: shares of fewer than the threshold are not published.
    false as suppressed,
    null::varchar as suppression
from frame f
join ref_geography g using (geography_level, geography_code)
left join workshop_totals t using (geography_level, geography_code)
left join rolled r using (geography_level, geography_code, breakdown, group_key)
order by f.geography_level, f.geography_code, f.breakdown, f.group_key
