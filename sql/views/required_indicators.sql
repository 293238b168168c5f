-- What each region is asked to report: the indicators of the targets that bind it, and the numerator and
-- denominator of each ratio among them (so the ratio can be checked and aggregated).
create or replace view required_indicators as
with asked as (
    select
        tr.region_code,
        t.indicator_code
    from targets as t
    inner join target_regions as tr using (plan_id, target_id)
),

parts as (
    select
        a.region_code,
        unnest([i.numerator, i.denominator]) as indicator_code
    from asked as a
    inner join indicators as i using (indicator_code)
    where i.numerator is not null
)

select distinct
    region_code,
    indicator_code
from (
    select * from asked
    union all
    select * from parts
) as wanted;
