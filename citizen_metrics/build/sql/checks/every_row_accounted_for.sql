-- Loaded files whose rows do not add up: rows_read must equal accepted + duplicate +
-- superseded + excluded_no_consent + quarantined (docs/methodology.md §6), or a row was lost.
select source_file, sheet, rows_read, accepted, duplicate, superseded, excluded_no_consent,
       quarantined
from {{ ref('quality_file_summary') }}
where status = 'loaded' and not rows_accounted
order by source_file, sheet
