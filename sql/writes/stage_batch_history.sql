-- Keep the history batch $batch_id's rules read (see batch_history.sql): of its regions and indicators, with the
-- numerators and denominators of its ratios (ratio_against_known_parts divides by those in force), and for an
-- indicator a target ranks the region by, every peer in its province (region_provinces).
insert into batch_history
with keys as (
    select distinct
        region_code,
        indicator_code
    from batch_rows
    where batch_id = $batch_id and indicator_code is not null
),

related as (
    select
        region_code,
        indicator_code
    from keys
    union
    select
        k.region_code,
        p.part as indicator_code
    from keys as k
    inner join indicators as i using (indicator_code)
    cross join unnest([i.numerator, i.denominator]) as p (part)
    where p.part is not null
    union
    select
        c.region_code,
        k.indicator_code
    from keys as k inner join regions as c on k.region_code = c.parent_code
    union
    select
        p.region_code,
        k.indicator_code
    from keys as k
    inner join regions as r on k.region_code = r.region_code
    inner join regions as p on r.parent_code = p.parent_code and r.level = p.level
    union
    -- a rank target's peers across the province (target_rank_moved re-ranks its region among them)
    select
        p.region_code,
        k.indicator_code
    from keys as k
    inner join target_regions as tr on k.region_code = tr.region_code
    inner join targets as t
        on tr.plan_id = t.plan_id and tr.target_id = t.target_id and k.indicator_code = t.indicator_code
    inner join region_provinces as r on k.region_code = r.region_code
    inner join region_provinces as p on r.province_code = p.province_code and r.level = p.level
    where t.kind = 'rank'
)

select
    $batch_id,
    o.region_code,
    o.indicator_code,
    o.period,
    cast(o.value as double) as value
from observations as o
inner join related using (region_code, indicator_code);
