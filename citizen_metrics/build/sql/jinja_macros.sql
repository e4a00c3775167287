{#- Shared pieces of the queries: geography levels and breakdowns as GROUPING SETS (marts),
  de-duplication and unreadable rows (intermediate tables).

  Every mart is computed at three geography levels (commune, province, region) crossed with
  every breakdown (the total, each dimension alone, each pair of dimensions), in one
  set-based pass: GROUP BY <geography sets>, <breakdown sets> yields their cross product.
-#}

{% macro geography_sets() -%}
grouping sets ((province_code, commune_code), (province_code), ())
{%- endmacro %}

{% macro breakdown_sets(breakdowns) -%}
grouping sets ({% for dims in breakdowns %}({{ dims | join(', ') }}){% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{% macro geography_columns() -%}
    case when grouping(commune_code) = 0 then 'commune'
         when grouping(province_code) = 0 then 'province'
         else 'region' end as geography_level,
    case when grouping(commune_code) = 0 then commune_code
         when grouping(province_code) = 0 then province_code
         else '{{ region_code }}' end as geography_code
{%- endmacro %}

{% macro breakdown_columns(dimensions) -%}
    coalesce(nullif(concat_ws(',',
        {%- for d in dimensions %} case when grouping({{ d }}) = 0 then '{{ d }}' end{% if not loop.last %},{% endif %}{% endfor %}
    ), ''), 'total') as breakdown,
    coalesce(nullif(concat_ws(',',
        {%- for d in dimensions %} case when grouping({{ d }}) = 0 then {{ d }} end{% if not loop.last %},{% endif %}{% endfor %}
    ), ''), 'all') as group_key
{%- endmacro %}

{#- De-duplication across cumulative exports (docs/methodology.md §6), for survey rows and
  workshops alike: every row of `rows` (with `source_file`, `sheet`, `source_row` and the
  `key` of its submission) gets `dedup_status` candidate / duplicate / superseded.

  Rows of one submission (`key`) with identical `content` are one *version*; its first copy
  (in the order of `file_order`, the files' credit order from their content, then row)
  represents it and the other copies are `duplicate`. Among a
  submission's versions the latest `version_time` wins (ties: the version with more answers,
  then the later file); the representatives of the other versions are `superseded`. Rows
  without a key cannot be matched to anything and stay candidates (validation then
  quarantines them if the key is required).

  The content hash is a 64-bit hash of the answers. Versions are only ever compared within
  one submission, so a collision would need two versions of the same submission to hash
  alike (about one chance in 10^19); md5 of the concatenated answers cost ten times more.
-#}
{% macro dedup(rows, file_order, key, content, version_time) -%}
with rows as (
    select t.source_file, t.sheet, t.source_row, t.{{ key }} as dedup_key,
           f.credit_order as file_order,
           {{ version_time }} as version_time,
           hash({% for c in content %}t.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}) as content_hash,
           {% for c in content %}(t.{{ c }} is not null)::int{% if not loop.last %} + {% endif %}{% endfor %} as answered
    from {{ rows }} t join {{ file_order }} f using (source_file)
),
copies as (
    select *, row_number() over (
        partition by dedup_key, content_hash order by file_order, sheet, source_row
    ) as copy_number
    from rows
),
versions as (
    select dedup_key, content_hash, max(version_time) as version_time,
           max(answered) as answered, max(file_order) as last_file_order
    from copies where dedup_key is not null
    group by dedup_key, content_hash
),
ranked as (
    select dedup_key, content_hash, row_number() over (
        partition by dedup_key
        order by version_time desc nulls last, answered desc, last_file_order desc,
                 content_hash
    ) as version_rank
    from versions
)
select c.source_file, c.sheet, c.source_row,
       case when c.dedup_key is null then 'candidate'
            when c.copy_number > 1 then 'duplicate'
            when r.version_rank > 1 then 'superseded'
            else 'candidate' end as dedup_status
from copies c left join ranked r using (dedup_key, content_hash)
{%- endmacro %}

{#- The rows a reader could not parse at all, as quarantine rows of the rule malformed_row. -#}
{% macro malformed(read_failures) -%}
select source_file, sheet, source_row, {{ malformed_rule | sql_string }} as rule,
       null::varchar as column, null::varchar as value,
       {{ (malformed_message ~ ': ') | sql_string }} || message as message
from {{ read_failures }}
{%- endmacro %}
