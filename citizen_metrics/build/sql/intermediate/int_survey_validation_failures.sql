-- The survey responses to validate: the latest version of each submission, unless its
-- consent is `no` (excluded, not judged). The pandera schema of a survey response
-- (`citizen_metrics.build.schemas`) runs on these rows; the table holds its failure cases, one row per
-- broken rule.
--
-- `commune_province` is the province of the named commune (NULL when the commune is
-- unknown), so the schema can check that the commune lies in the named province;
-- `<question>_asked` says whether the row's file has a column for each question a response
-- must answer.
select s.source_file, ''::varchar as sheet, s.source_row, s.submission_key, s.consent,
       s.province, s.commune, c.province_code as commune_province, s.sex, s.age,
{% for question in asked_questions %}
       not list_contains(string_split(coalesce(r.missing_questions, ''), ', '), '{{ question }}')
           as {{ question }}_asked,
{% endfor %}
{% for question in likert_questions + usage_questions %}
       s.{{ question }}{% if not loop.last %},{% endif %}

{% endfor %}
from {{ ref('stg_survey_rows') }} s
join {{ ref('int_survey_dedup') }} d using (source_file, source_row)
join {{ ref('stg_survey_file_reads') }} r using (source_file)
left join {{ ref('ref_communes') }} c on c.commune_code = s.commune
where d.dedup_status = 'candidate' and s.consent is distinct from 'no'
order by s.source_file, s.source_row
