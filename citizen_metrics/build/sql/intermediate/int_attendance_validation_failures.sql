-- The participant rows to validate (neither copies nor replaced rows), with whether their
-- workshop is an accepted one. The pandera schema of an attendance (`citizen_metrics.build.schemas`) runs
-- on these rows: a participant of a workshop found in no register, or with neither name nor
-- phone, is quarantined; an unknown sex, age or disability is an `unknown` group, not an
-- error. The table holds its failure cases.
with accepted_workshop_ids as (
    select distinct w.workshop_id
    from {{ ref('stg_workshops') }} w
    join {{ ref('int_workshop_dedup') }} d using (source_file, sheet, source_row)
    anti join {{ ref('int_workshop_validation_failures') }} q
        using (source_file, sheet, source_row)
    where d.dedup_status = 'candidate' and w.workshop_id is not null
)
select a.source_file, a.sheet, a.source_row, a.workshop_id, a.person_key,
       (k.workshop_id is not null) as workshop_known
from {{ ref('stg_attendances') }} a
join {{ ref('int_attendance_dedup') }} d using (source_file, sheet, source_row)
left join accepted_workshop_ids k using (workshop_id)
where d.dedup_status = 'candidate'
order by a.source_file, a.source_row
