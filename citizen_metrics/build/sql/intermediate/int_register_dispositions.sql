-- Where every staged register row ends (workshops and participants alike): a copy or a row
-- replaced by a re-sent register, else quarantined when it breaks a rule, else accepted.
-- Rows the reader could not parse are quarantined.
with failed as (
    select distinct source_file, sheet, source_row
    from {{ ref('int_workshop_validation_failures') }}
    union
    select distinct source_file, sheet, source_row
    from {{ ref('int_attendance_validation_failures') }}
),
statuses as (
    select * from {{ ref('int_workshop_dedup') }}
    union all select * from {{ ref('int_attendance_dedup') }}
)
select s.source_file, s.sheet, s.source_row,
       case when s.dedup_status <> 'candidate' then s.dedup_status
            when f.source_row is not null then 'quarantined'
            else 'accepted' end as disposition
from statuses s left join failed f using (source_file, sheet, source_row)
union all
select source_file, sheet, source_row, 'quarantined' from {{ ref('stg_register_read_failures') }}
