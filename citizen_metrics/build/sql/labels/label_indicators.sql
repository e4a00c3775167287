-- French and Arabic labels of every indicator of the marts: the score questions of the
-- form (satisfaction with each service, overall satisfaction, trust in the council) and the
-- participation shares. A service's name is the text after the colon of its `sat_<service>`
-- question ("Quel est votre niveau de satisfaction : État civil (…) ?" → "État civil (…)");
-- the short name drops the trailing parenthesis. labels.yaml names the score questions whose
-- label is a whole sentence.
with survey as (
    select q.name as indicator,
           case when q.name in ({% for s in services %}'sat_{{ s }}'{% if not loop.last %}, {% endif %}{% endfor %})
                then substr(q.name, 5) end as service,
           coalesce(o.label_fr, nullif(trim(regexp_extract(q.label_fr, ':\s*([^:]+?)\s*[?؟]?\s*$', 1)), ''),
                    q.label_fr) as label_fr,
           coalesce(o.label_ar, nullif(trim(regexp_extract(q.label_ar, ':\s*([^:]+?)\s*[?؟]?\s*$', 1)), ''),
                    q.label_ar) as label_ar,
           q.label_fr as question_fr,
           q.label_ar as question_ar,
           q.form_order
    from {{ ref('ref_survey_questions') }} q
    left join {{ ref('ref_labels') }} o on o.code_list = 'indicator' and o.code = q.name
    where q.name in ({% for q in likert_questions %}'{{ q }}'{% if not loop.last %}, {% endif %}{% endfor %})
)
select indicator, service, 'survey' as family, label_fr, label_ar,
       trim(regexp_replace(label_fr, '\s*\([^)]*\)\s*$', '')) as short_fr,
       trim(regexp_replace(label_ar, '\s*\([^)]*\)\s*$', '')) as short_ar,
       question_fr, question_ar,
       row_number() over (order by service is null, form_order) as sort_order
from survey
union all
select code, null, 'participation', label_fr, label_ar, label_fr, label_ar, null, null,
       1000 + sort_order
from {{ ref('ref_labels') }} where code_list = 'participation_indicator'
order by sort_order
