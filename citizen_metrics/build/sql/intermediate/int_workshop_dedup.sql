{% import 'jinja_macros.sql' as m with context %}
-- Workshops matched on `id_atelier` across the registers: registers carry no submission
-- time, so among conflicting versions the later file (modification time) wins.
{{ m.dedup(ref('stg_workshops'), ref('stg_raw_files'), "workshop_id",
           ["commune_code", "workshop_date", "workshop_type"], "null::timestamp") }}
