-- Accepted attendances (one per person per workshop) with their workshop's commune and the
-- disaggregation dimensions. `person_id` follows docs/methodology.md §4: name + phone when there is
-- a phone, otherwise the name within the commune.
select
    a.workshop_id,
    w.commune_code,
    w.province_code,
    w.commune_type,
    w.in_programme,
    w.workshop_type,
    case when a.has_phone then a.person_key
         else a.person_key || '@' || w.commune_code end as person_id,
    coalesce(a.sex, 'unknown') as sex,
    a.age,
    case
        when a.age between {{ youth_min_age }} and {{ youth_max_age }} then 'youth'
        when a.age > {{ youth_max_age }} and a.age < {{ senior_min_age }} then 'adult'
        when a.age >= {{ senior_min_age }} and a.age <= {{ max_age }} then 'senior'
        else 'unknown'
    end as age_group,
    case a.disability when 'yes' then 'with_disability' when 'no' then 'without_disability'
         else 'unknown' end as disability,
    coalesce(a.residence, 'unknown') as residence,
    coalesce(a.category, 'unknown') as category
from {{ ref('stg_attendances') }} a
join {{ ref('int_register_dispositions') }} d using (source_file, sheet, source_row)
join {{ ref('int_workshops') }} w using (workshop_id)
where d.disposition = 'accepted'
