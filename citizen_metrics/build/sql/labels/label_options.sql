-- French and Arabic labels of every answer option of the questions the pipeline keeps
-- (`mart_survey_options.question` × `option`, and the scores of the score questions), as
-- written in the form's choice lists.
select q.name as question, c.name as option, c.label_fr, c.label_ar,
       row_number() over (order by q.form_order, c.sort_order) as sort_order
from {{ ref('ref_survey_questions') }} q
join {{ ref('ref_survey_choices') }} c using (list_name)
where q.kept_by_pipeline
order by sort_order
