-- Register rows set aside for breaking a data-quality rule (unknown workshop or commune, no
-- workshop id, a participant with neither name nor phone), or unreadable. Rules and row
-- references only: a value of the files never reaches Dagster's run storage.
select source_file, sheet, source_row, rule, "column"
from {{ ref('int_register_quarantine') }}
order by source_file, sheet, source_row, rule, "column"
