{% import 'jinja_macros.sql' as m with context %}
-- Workshop participation (docs/methodology.md §4) for every geography × breakdown × group:
-- workshops, attendances, unique participants, shares of women, youth, persons with a
-- disability and rural residents, shares by participant category, and workshops by type.
-- For a group (e.g. women), `workshops` counts the workshops that group attended; the
-- `total` row counts every accepted workshop, attended or not.
with workshop_totals as (
    select
        {{ m.geography_columns() }},
        count(distinct workshop_id) as workshops_held,
{% for type in workshop_types %}
        count(distinct workshop_id) filter (workshop_type = '{{ type }}') as workshops_{{ type }},
{% endfor %}
    from {{ ref('int_workshops') }}
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
    from {{ ref('int_attendances') }}
    group by {{ m.geography_sets() }}, {{ m.breakdown_sets(breakdowns) }}
),
-- Every value of each dimension (seen anywhere in the region) in every geography with
-- workshops; commune types only where the geography has communes of that type with
-- attendances (the types of communes are public: such a row tells nothing).
dimension_values as (
    select distinct breakdown as dimension, group_key as value
    from rolled
    where breakdown not like '%,%' and breakdown not in ('total', 'commune_type')
),
values_seen as (
    select t.geography_level, t.geography_code, v.dimension, v.value
    from workshop_totals t cross join dimension_values v
    union
    select geography_level, geography_code, breakdown, group_key
    from rolled where breakdown = 'commune_type'
),
-- Every geography and the total breakdown exist even where nobody attended yet; and every
-- value and pair of values has its row in every geography, with 0 attendances where that
-- group did not attend: an absent row would tell that its count is 0 even when counts are
-- withheld.
frame as (
    select t.geography_level, t.geography_code, coalesce(r.breakdown, 'total') as breakdown,
           coalesce(r.group_key, 'all') as group_key
    from workshop_totals t
    left join rolled r on r.geography_level = t.geography_level
        and r.geography_code = t.geography_code and r.breakdown = 'total'
    union
    select geography_level, geography_code, breakdown, group_key from rolled
    union
    select geography_level, geography_code, dimension, value from values_seen
{% for dims in breakdowns if dims | length == 2 %}
    union
    select a.geography_level, a.geography_code, '{{ dims | join(',') }}',
           a.value || ',' || b.value
    from values_seen a join values_seen b using (geography_level, geography_code)
    where a.dimension = '{{ dims[0] }}' and b.dimension = '{{ dims[1] }}'
{% endfor %}
)
select
    f.geography_level, f.geography_code, g.geography_name, g.in_programme,
    f.breakdown, f.group_key,
    case when f.breakdown = 'total' then coalesce(t.workshops_held, 0)
         else coalesce(r.workshops_attended, 0) end as workshops,
    coalesce(r.attendances, 0) as attendances,
    coalesce(r.unique_participants, 0) as unique_participants,
    -- The four dimension shares of a pair row would be three-way tables: not published.
    -- Without any attendance (no register yet), a share is NULL, not 0/0.
    {% for share in ["women", "youth", "with_disability", "rural"] %}
    case when f.breakdown not like '%,%' then r.n_{{ share }} / nullif(r.attendances, 0) end
        as share_{{ share }},
    {% endfor %}
    {% for share in categories %}
    r.n_{{ share }} / nullif(r.attendances, 0) as share_{{ share }},
    {% endfor %}
    {% for type in workshop_types %}
    case when f.breakdown = 'total' then coalesce(t.workshops_{{ type }}, 0) end
        as workshops_{{ type }},
    {% endfor %}
    -- Set by pipeline/disclosure: `suppressed` withholds the shares of the four dimensions,
    -- `categories_suppressed` those of the participant categories; `withheld_shares` names
    -- the shares withheld on a row otherwise published (their numerator is a withheld count).
    false as suppressed,
    null::varchar as suppression,
    false as categories_suppressed,
    null::varchar as withheld_shares
from frame f
join {{ ref('ref_geography') }} g using (geography_level, geography_code)
left join workshop_totals t using (geography_level, geography_code)
left join rolled r using (geography_level, geography_code, breakdown, group_key)
order by f.geography_level, f.geography_code, f.breakdown, f.group_key
