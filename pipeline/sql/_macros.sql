{#- Shared pieces of the mart queries: geography levels and breakdowns as GROUPING SETS.

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
