-- Participant rows of the registers with `dedup_status` candidate / duplicate / superseded.
--
-- Registers carry no submission id nor time, so rows are matched in two ways:
-- - by place: an expert re-sends the same workbook with rows appended, so the row at the
--   same position of the same sheet in a newer version of the same expert's register is the
--   same attendance; when its values changed (an age corrected), the older row is
--   `superseded`. A register is known by the expert code of its workshops (`code_expert`)
--   and its first workshop, which a re-sent version keeps (rows are appended): two different
--   workbooks of one expert are not versions of each other. The version order is the files'
--   order (modification time). Rows of one file never supersede each other.
-- - by content: among the rows left, a row identical to an earlier one (a re-sent copy, a
--   row typed twice) is a `duplicate`; rows that differ in sex, age, category or phone are
--   namesakes, two attendances. Rows without a workshop or a person (neither name nor phone)
--   are matched to nothing by content: validation quarantines them.
--
-- What makes two participant rows the same row again (docs/methodology.md §4): the workshop and
-- every value as normalised by the reader, so that typing variants (case, spaces, `F` or
-- `Femme`, phone formats) do not matter but a different sex, age, category or phone does.
{% set content = ["workshop_id", "person_key", "sex", "age", "category", "disability",
                  "residence"] %}
with registers as (
    select source_file,
           coalesce(mode(expert_key), '') || ' ' || arg_min(workshop_id, source_row)
               as register_id
    from {{ ref('stg_workshops') }} where workshop_id is not null group by source_file
),
rows as (
    select a.source_file, a.sheet, a.source_row, f.credit_order as file_order,
           coalesce(r.register_id, 'file ' || a.source_file) as register_id,
           a.workshop_id is not null and a.person_key is not null as matchable,
           {% for c in content %}a.{{ c }}, {% endfor %}

           hash({% for c in content %}a.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}) as content_hash
    from {{ ref('stg_attendances') }} a
    join {{ ref('int_file_order') }} f using (source_file)
    left join registers r using (source_file)
),
latest_at_place as (
    select register_id, sheet, source_row, arg_max(content_hash, file_order) as latest_hash
    from rows group by all
),
placed as (
    select r.*, r.content_hash <> p.latest_hash as replaced
    from rows r join latest_at_place p using (register_id, sheet, source_row)
),
copies as (
    select source_file, sheet, source_row, matchable, row_number() over (
        partition by {{ content | join(', ') }} order by file_order, sheet, source_row
    ) as copy_number
    from placed where not replaced
)
select source_file, sheet, source_row, 'superseded' as dedup_status
from placed where replaced
union all
select source_file, sheet, source_row,
       case when matchable and copy_number > 1 then 'duplicate' else 'candidate' end
from copies
