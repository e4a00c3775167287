-- Survey rows set aside for breaking a data-quality rule (pandera, docs/methodology.md §6), or
-- unreadable: the run goes on without them, the clerks correct the files. Rules and row
-- references only: a value of the files never reaches Dagster's run storage.
select source_file, source_row, rule, "column"
from {{ ref('int_survey_quarantine') }}
order by source_file, source_row, rule, "column"
