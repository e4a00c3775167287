-- Published satisfaction estimates (mean, share, interval) resting on fewer rated
-- respondents than the suppression threshold (docs/methodology.md §5): there must be none.
select geography_level, geography_code, breakdown, group_key, indicator, estimate_type,
       n_rated
from {{ ref('mart_survey_indicators') }}
where n_rated < {{ threshold }}
  and (mean_score is not null or satisfied_share is not null or ci_low is not null)
order by geography_level, geography_code, breakdown, group_key, indicator, estimate_type
