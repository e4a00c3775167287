{% import 'jinja_macros.sql' as m with context %}
-- Every quarantined survey row with every rule it breaks: the validation's failure cases and
-- the rows the reader could not parse.
select * from {{ ref('int_survey_validation_failures') }}
union all
{{ m.malformed(ref('stg_survey_read_failures')) }}
