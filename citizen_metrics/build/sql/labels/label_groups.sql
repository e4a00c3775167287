-- French and Arabic labels of every breakdown and group of the marts: the total, each
-- dimension alone, each pair (labels joined: `Femme · Rural`), and the comparison groups of
-- equity gaps (`adult+senior`). Dimension and group labels come from the questionnaire for
-- a dimension read from a question (sex, residence) and from labels.yaml for the others;
-- every dimension also has its `unknown` group.
with dimensions as (
    select d.code as dimension,
           coalesce(d.label_fr, q.label_fr) as label_fr,
           coalesce(d.label_ar, q.label_ar) as label_ar,
           q.list_name, d.sort_order
    from {{ ref('ref_labels') }} d
    left join {{ ref('ref_survey_questions') }} q on q.name = d.question
    where d.code_list = 'dimension'
),
single_groups as (
    select parent as dimension, code as group_key, label_fr, label_ar, sort_order,
           false as comparison_only
    from {{ ref('ref_labels') }} where code_list = 'group'
    union all
    select d.dimension, c.name, c.label_fr, c.label_ar, c.sort_order, false
    from dimensions d join {{ ref('ref_survey_choices') }} c using (list_name)
    union all
    select d.dimension, 'unknown', u.label_fr, u.label_ar, 90, false
    from dimensions d cross join {{ ref('ref_labels') }} u
    where u.code_list = 'unknown' and d.dimension <> 'total'
    union all
    select parent, code, label_fr, label_ar, 95 + sort_order, true
    from {{ ref('ref_labels') }} where code_list = 'comparison_group'
),
breakdowns(breakdown, first_dimension, second_dimension, sort_order) as (
    values
{% for dims in survey_breakdowns %}
        ('{{ dims | join(",") or "total" }}', '{{ dims[0] if dims else "total" }}', {{ "'" ~ dims[1] ~ "'" if dims | length > 1 else "null" }}, {{ loop.index }}){% if not loop.last %},{% endif %}

{% endfor %}
)
select b.breakdown,
       g1.group_key || coalesce(',' || g2.group_key, '') as group_key,
       d1.label_fr || coalesce(' × ' || d2.label_fr, '') as breakdown_fr,
       d1.label_ar || coalesce(' × ' || d2.label_ar, '') as breakdown_ar,
       g1.label_fr || coalesce(' · ' || g2.label_fr, '') as label_fr,
       g1.label_ar || coalesce(' · ' || g2.label_ar, '') as label_ar,
       b.second_dimension is not null as is_pair,
       g1.comparison_only as comparison_only,
       row_number() over (
           order by b.sort_order, g1.sort_order, g2.sort_order nulls first
       ) as sort_order
from breakdowns b
join dimensions d1 on d1.dimension = b.first_dimension
join single_groups g1 on g1.dimension = b.first_dimension
left join dimensions d2 on d2.dimension = b.second_dimension
left join single_groups g2 on g2.dimension = b.second_dimension and not g2.comparison_only
where b.second_dimension is null or (g2.group_key is not null and not g1.comparison_only)
order by sort_order
