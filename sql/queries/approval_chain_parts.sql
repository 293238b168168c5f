-- What a region's sign-off chain is made of on the quarter's last day: each region's parent and level then, and
-- the regions of the plans in force that year (a plan covers its base year too: its baseline is reported).
select
    r.region_code,
    r.parent_code,
    r.level,
    r.region_code in (
        select p.region_code
        from plans as p
        where cast(left($quarter, 4) as integer) between p.period_start - 1 and p.period_end
    ) as plan_region
from regions_on(quarter_end($quarter)) as r;
