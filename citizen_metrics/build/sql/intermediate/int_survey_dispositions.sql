-- Where every staged survey row ends. Decided in this order: a copy or an older version
-- (`int_survey_dedup`), then consent (`no`: excluded, counted), then the rules (a row
-- breaking any is quarantined); the rest is accepted. Deciding the latest version before
-- validating means an edit that introduced an error is quarantined rather than silently
-- replaced by the older version. Rows the reader could not parse are quarantined.
select s.source_file, s.source_row,
       case when d.dedup_status <> 'candidate' then d.dedup_status
            when s.consent = 'no' then 'excluded_no_consent'
            when q.source_row is not null then 'quarantined'
            else 'accepted' end as disposition
from {{ ref('stg_survey_rows') }} s
join {{ ref('int_survey_dedup') }} d using (source_file, source_row)
left join (
    select distinct source_file, source_row from {{ ref('int_survey_validation_failures') }}
) q using (source_file, source_row)
union all
select source_file, source_row, 'quarantined' from {{ ref('stg_survey_read_failures') }}
