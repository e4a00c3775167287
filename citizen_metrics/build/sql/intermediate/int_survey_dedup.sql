{% import 'jinja_macros.sql' as m with context %}
-- Survey rows matched across cumulative exports: one submission (`_uuid`, keyed) with the
-- same answers is one version; the latest `_submission_time` wins (see the macro).
{{ m.dedup("(select *, ''::varchar as sheet from " ~ ref('stg_survey_rows') ~ ")",
           ref('int_file_order'), "submission_key", answer_fields, "t.submitted_at") }}
