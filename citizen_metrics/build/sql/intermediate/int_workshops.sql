-- Accepted workshops, one per id_atelier, with their commune (and its province, type and
-- membership of the programme), date and type.
select w.workshop_id, w.commune_code, c.province_code, c.commune_type, c.in_programme,
       w.workshop_date, coalesce(w.workshop_type, 'unknown') as workshop_type
from {{ ref('stg_workshops') }} w
join {{ ref('int_register_dispositions') }} d using (source_file, sheet, source_row)
join {{ ref('ref_communes') }} c using (commune_code)
where d.disposition = 'accepted'
