-- One row per input file (per sheet for workshop registers): what was read and where every
-- row ended. `rows_read` = accepted + duplicate + superseded + excluded_no_consent +
-- quarantined for every loaded file (the conservation check verifies it).
with reads as (
    select * from {{ ref('stg_survey_file_reads') }}
    union all by name select * from {{ ref('stg_register_file_reads') }}
    union all by name
    select source_file, '' as sheet, 'unknown' as file_kind, 'unknown' as file_shape,
           'rejected' as status,
           coalesce(reason,
                    case when size_bytes = 0 then 'le fichier est vide'
                         else 'ni un export d''enquête, ni un registre d''ateliers (contenu '
                              || 'illisible ou non reconnu)' end) as reason,
           0 as rows_read, null as encoding, null as unmapped_headers
    from {{ ref('stg_raw_files') }} where file_kind = 'unknown'
),
dispositions as (
    select source_file, '' as sheet, disposition from {{ ref('int_survey_dispositions') }}
    union all select source_file, sheet, disposition from {{ ref('int_register_dispositions') }}
),
counts as (
    select source_file, sheet,
{% for disposition in dispositions %}
           count(*) filter (disposition = '{{ disposition }}') as {{ disposition }}{% if not loop.last %},{% endif %}

{% endfor %}
    from dispositions group by all
)
select r.source_file, r.sheet, r.file_kind, r.file_shape, r.status, r.reason,
       r.rows_read::bigint as rows_read,
{% for disposition in dispositions %}
       coalesce(c.{{ disposition }}, 0)::bigint as {{ disposition }},
{% endfor %}
       r.rows_read = {% for disposition in dispositions %}coalesce(c.{{ disposition }}, 0){% if not loop.last %} + {% endif %}{% endfor %}
           as rows_accounted,
       r.encoding, r.unmapped_headers, r.missing_questions, f.size_bytes, f.modified_at,
       f.sha256
from reads r
left join counts c using (source_file, sheet)
left join {{ ref('stg_raw_files') }} f using (source_file)
order by r.source_file, r.sheet
