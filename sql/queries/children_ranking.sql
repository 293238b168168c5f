-- The county-level regions under a region, with their values of one indicator at one quarter, best first: the
-- regions and names in force on the quarter's last day (山东 2015Q4: 青岛市即墨市, not 即墨区, set up in 2017),
-- ranked by competition ranking (1, 2, 2, 4: a tie shares the better place), the rule progress ranks by.
select
    r.region_code,
    r.full_name as name,
    o.value,
    o.derived,
    rank() over (order by case when i.direction = 'up' then -o.value else o.value end) as rank
from regions_on(quarter_end($period)) as r
inner join observed as o
    on r.region_code = o.region_code and o.indicator_code = $indicator_code and o.period = $period
inner join indicators as i on o.indicator_code = i.indicator_code
where
    r.level = 'county'
    and $region_code in (r.parent_code, r.grandparent_code)
    and o.value is not null
order by case when i.direction = 'up' then -o.value else o.value end, r.region_code;
