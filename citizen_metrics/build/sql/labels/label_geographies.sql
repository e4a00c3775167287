-- French and Arabic names of every geography: the region, its provinces and all its
-- communes (from communes.csv and provinces.csv), whether or not they have figures yet,
-- with the province of each commune and whether it is in the programme.
select g.geography_level,
       g.geography_code,
       coalesce(c.name_fr, p.name_fr, r.label_fr) as name_fr,
       coalesce(c.name_ar, p.name_ar, r.label_ar) as name_ar,
       l.label_fr as level_fr,
       l.label_ar as level_ar,
       g.province_code,
       pp.name_fr as province_name_fr,
       pp.name_ar as province_name_ar,
       c.commune_type,
       g.in_programme,
       g.population as population_2024,
       row_number() over (
           order by g.province_code nulls first, g.geography_level = 'commune',
                    not g.in_programme, coalesce(c.name_fr, p.name_fr)
       ) as sort_order
from {{ ref('ref_geography') }} g
left join {{ ref('ref_communes') }} c on g.geography_level = 'commune' and c.commune_code = g.geography_code
left join {{ ref('ref_provinces') }} p on g.geography_level = 'province' and p.province_code = g.geography_code
left join {{ ref('ref_provinces') }} pp on pp.province_code = g.province_code
left join {{ ref('ref_labels') }} r on g.geography_level = 'region' and r.code_list = 'region'
left join {{ ref('ref_labels') }} l on l.code_list = 'geography_level' and l.code = g.geography_level
order by sort_order
