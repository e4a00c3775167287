-- Interval formulas as DuckDB macros, so every mart computes them the same way.
-- Wilson score interval for a proportion p observed on n (n may be a Kish effective n).
create or replace macro wilson_low(p, n) as
    case when n > 0 then
        greatest(0.0, ((p + {{ z }} * {{ z }} / (2 * n))
            - {{ z }} * sqrt(p * (1 - p) / n + {{ z }} * {{ z }} / (4 * n * n)))
        / (1 + {{ z }} * {{ z }} / n))
    end;

create or replace macro wilson_high(p, n) as
    case when n > 0 then
        least(1.0, ((p + {{ z }} * {{ z }} / (2 * n))
            + {{ z }} * sqrt(p * (1 - p) / n + {{ z }} * {{ z }} / (4 * n * n)))
        / (1 + {{ z }} * {{ z }} / n))
    end;

-- Newcombe's hybrid score interval (method 10) for p1 - p2 from the two Wilson intervals.
create or replace macro newcombe_low(p1, l1, u1, p2, l2, u2) as
    (p1 - p2) - sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2));

create or replace macro newcombe_high(p1, l1, u1, p2, l2, u2) as
    (p1 - p2) + sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2));

-- An estimate as published (`citizen_metrics.disclosure.precision.published_round`): the last-bit
-- noise of sums absorbed at 9 decimals, then rounded half away from zero in decimal.
create or replace macro published_round(x, decimals) as {{ published_round }};

-- A share as published, by estimate type (`citizen_metrics.disclosure.precision`). Intervals, gaps
-- and ranks are computed from it, so that they say nothing the published share does not.
create or replace macro published_share(x, estimate_type) as
    case when estimate_type = 'weighted' then published_round(x, {{ weighted_share_decimals }})
         else published_round(x, {{ share_decimals }}) end;
