-- French and Arabic labels of the questions the pipeline keeps (closed questions of the
-- questionnaire, in form order), as written in the form.
select name as question, type, list_name, label_fr, label_ar, form_order as sort_order
from {{ ref('ref_survey_questions') }}
where kept_by_pipeline
order by form_order
