-- Register rows set aside for breaking a data-quality rule (unknown workshop or commune, no
-- workshop id, a participant with neither name nor phone), or unreadable.
select source_file, sheet, source_row, rule, "column", value
from {{ ref('int_register_quarantine') }}
order by source_file, sheet, source_row, rule, "column"
