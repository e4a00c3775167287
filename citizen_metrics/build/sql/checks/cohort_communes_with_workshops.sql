-- Programme communes without a single accepted workshop.
select c.commune_code, c.name_fr
from {{ ref('ref_communes') }} c
where c.in_programme and not exists (
    select 1 from {{ ref('int_workshops') }} w where w.commune_code = c.commune_code)
order by c.commune_code
