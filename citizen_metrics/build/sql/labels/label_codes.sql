-- French and Arabic labels of the other codes of the marts, one list per kind of code:
-- geography levels, estimate types, suppression reasons, dispositions, file statuses, kinds
-- and shapes, quarantine rules, quality flags, workshop types and participant categories.
select code_list, code, label_fr, label_ar, sort_order
from {{ ref('ref_labels') }}
where code_list not in ('region', 'dimension', 'group', 'unknown', 'comparison_group',
                        'indicator', 'participation_indicator')
order by code_list, sort_order
