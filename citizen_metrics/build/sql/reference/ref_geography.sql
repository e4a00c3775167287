-- Every geography a figure is attached to: the communes, the provinces and the region, with
-- their names, 2024 populations and whether they are in the programme (a province or the
-- region is in the programme when it holds at least one cohort commune). Every mart joins
-- it for `geography_name` and `in_programme`.
select 'commune' as geography_level, commune_code as geography_code,
       name_fr as geography_name, province_code, in_programme,
       population_2024 as population
from {{ ref('ref_communes') }}
union all
select 'province', p.province_code, p.name_fr, p.province_code,
       bool_or(c.in_programme), sum(c.population_2024)
from {{ ref('ref_provinces') }} p join {{ ref('ref_communes') }} c using (province_code)
group by all
union all
select 'region', {{ region_code | sql_string }}, {{ region_name | sql_string }}, null,
       bool_or(in_programme), sum(population_2024)
from {{ ref('ref_communes') }}
