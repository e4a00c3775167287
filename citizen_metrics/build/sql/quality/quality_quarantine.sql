-- Every quarantined row with every rule it breaks. `source_row` is the 1-based data row of
-- the file (the header, and Kobo's hashtag line, are not data rows). No personal data: the
-- reported values are codes, ages, answers and workshop ids, never names or phones.
select q.source_file, q.sheet, f.file_kind, q.source_row, q.rule, q.column, q.value, q.message
from (
    select * from {{ ref('int_survey_quarantine') }}
    union all select * from {{ ref('int_register_quarantine') }}
) q
left join {{ ref('stg_raw_files') }} f using (source_file)
order by q.source_file, q.sheet, q.source_row, q.rule, q.column
