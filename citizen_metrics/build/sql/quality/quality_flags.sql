-- Accepted survey responses that look doubtful (docs/methodology.md §6, kept but flagged): one row
-- per response and flag, so a supervisor can look at them in the source files. The flags
-- do not change any figure.
select r.source_file, r.source_row, unnest(r.quality_flags) as flag, r.commune_code,
       f.file_kind
from {{ ref('int_survey_responses') }} r
left join {{ ref('stg_raw_files') }} f using (source_file)
where len(r.quality_flags) > 0
order by r.source_file, r.source_row, flag
