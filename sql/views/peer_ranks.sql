-- Each region's rank on each indicator and quarter among the reporting regions of the same level,
-- in its province and under its parent (region_provinces; best first, by the indicator's direction); for the
-- indicators a target ranks (the only ones progress reads a rank of), since ranking every indicator of a country
-- costs seconds.
-- Competition ranking (1, 2, 2, 4): regions with equal values share the best place of their tie, and last_in_*
-- is the last place the tie takes (2 for both of 1, 2, 2, 4), which a top-N target is judged on (README, Progress).
create or replace view peer_ranks as
with ranked as (
    select distinct indicator_code
    from targets
    where kind = 'rank'
)

select
    o.region_code,
    o.indicator_code,
    o.period_key,
    rank() over province_peers as rank_in_province,
    rank() over parent_peers as rank_in_parent,
    -- with the window's order the frame runs to the last row of the current one's tie, so count(*) is that place
    count(*) over province_peers as last_in_province,
    count(*) over parent_peers as last_in_parent,
    -- counted over the whole group: with an order, count(*) would be a running count
    count(*) over (partition by o.indicator_code, o.period_key, rp.level, rp.province_code) as peers_in_province,
    count(*) over (partition by o.indicator_code, o.period_key, rp.level, rp.parent_code) as peers_in_parent
from observed as o
inner join region_provinces as rp using (region_code)
inner join indicators as i using (indicator_code)
where o.value is not null and o.indicator_code in (select ranked.indicator_code from ranked)
window
    province_peers as (
        partition by o.indicator_code, o.period_key, rp.level, rp.province_code
        order by case when i.direction = 'up' then -o.value else o.value end
    ),
    parent_peers as (
        partition by o.indicator_code, o.period_key, rp.level, rp.parent_code
        order by case when i.direction = 'up' then -o.value else o.value end
    );
