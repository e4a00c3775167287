-- Participation targets (docs/methodology.md §4, values from the targets file) against the actual
-- shares among attendances, for each commune, province and the region.
with targets(indicator, target) as (
    values {% for name, value in targets.items() %}('{{ name }}', {{ value }}::double){% if not loop.last %}, {% endif %}{% endfor %}
),
actuals as (
    select geography_level, geography_code, geography_name, in_programme, attendances,
           unnest(map_keys(shares)) as indicator, unnest(map_values(shares)) as actual
    from (
        select *, map {
            {% for name in targets %}'{{ name }}': {{ name }}{% if not loop.last %}, {% endif %}{% endfor %}
        } as shares
        from {{ ref('mart_participation') }} where breakdown = 'total'
    )
)
select a.geography_level, a.geography_code, a.geography_name, a.in_programme,
       t.indicator, t.target, a.actual, a.attendances,
       case when a.actual is null then null else a.actual >= t.target end as met
from actuals a join targets t using (indicator)
order by a.geography_level, a.geography_code, t.indicator
