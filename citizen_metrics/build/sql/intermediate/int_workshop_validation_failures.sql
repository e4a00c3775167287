-- The workshops to validate (the winning version of each id_atelier). The pandera schema of
-- a workshop row (`citizen_metrics.build.schemas`) runs on these rows: only what makes a workshop unusable
-- is a rule (no id, a commune outside the region). The table holds its failure cases.
select w.source_file, w.sheet, w.source_row, w.workshop_id, w.commune_code,
       (c.commune_code is not null) as commune_known
from {{ ref('stg_workshops') }} w
join {{ ref('int_workshop_dedup') }} d using (source_file, sheet, source_row)
left join {{ ref('ref_communes') }} c on c.commune_code = w.commune_code
where d.dedup_status = 'candidate'
order by w.source_file, w.source_row
