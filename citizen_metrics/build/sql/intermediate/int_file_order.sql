-- The order in which files are credited (which file a row shared by cumulative exports is
-- counted in, which register corrects which), from what each file holds: its latest
-- submission time (survey exports) or workshop date (registers), then its digest. Never the
-- modification time: copying a file changes it, not what the file says.
with latest as (
    select source_file, max(submitted_at) as latest_content_at
    from {{ ref('stg_survey_rows') }} group by source_file
    union all
    select source_file, max(workshop_date)::timestamp
    from {{ ref('stg_workshops') }} group by source_file
)
select f.source_file, max(l.latest_content_at) as latest_content_at,
       row_number() over (order by max(l.latest_content_at) nulls first, any_value(f.sha256),
                          f.source_file) as credit_order
from {{ ref('stg_raw_files') }} f
left join latest l using (source_file)
group by f.source_file
