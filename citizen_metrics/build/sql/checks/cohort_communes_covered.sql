-- Programme communes without survey figures: usually a file not dropped into the raw
-- folder, or rejected.
select commune_code, name_fr
from {{ ref('ref_communes') }}
where in_programme and commune_code not in (
    select geography_code from {{ ref('mart_survey_indicators') }}
    where geography_level = 'commune')
order by commune_code
