{% import 'jinja_macros.sql' as m with context %}
-- Workshops matched on `id_atelier` across the registers: registers carry no submission
-- time, so among conflicting versions the later file (`int_file_order`: from its content) wins.
{{ m.dedup(ref('stg_workshops'), ref('int_file_order'), "workshop_id",
           ["commune_code", "workshop_date", "workshop_type"], "null::timestamp") }}
