-- Survey rows set aside for breaking a data-quality rule (pandera, INDICATORS.md §6), or
-- unreadable: the run goes on without them, the clerks correct the files.
select source_file, source_row, rule, "column", value
from {{ ref('int_survey_quarantine') }}
order by source_file, source_row, rule, "column"
