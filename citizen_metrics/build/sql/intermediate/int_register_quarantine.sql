{% import 'jinja_macros.sql' as m with context %}
-- Every quarantined register row with every rule it breaks: workshops, participants, and
-- the rows the reader could not parse.
select * from {{ ref('int_workshop_validation_failures') }}
union all select * from {{ ref('int_attendance_validation_failures') }}
union all
{{ m.malformed(ref('stg_register_read_failures')) }}
