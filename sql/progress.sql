-- Progress of every target, for every region it binds, at every reported quarter.
-- Time: a year's value stands at its end, so quarter q of year y ends at t = (y - 1) + q / 4,
-- and expected (序时进度) = (t - t0) / (T - t0), clamped to [0, 1]. See README "Progress".
create or replace view progress as
with observed as (
    select
        region_code,
        indicator_code,
        period,
        value,
        note,
        status as value_status,
        cast(substr(period, 1, 4) as integer) as year,
        cast(substr(period, 6, 1) as integer) as quarter,
        cast(substr(period, 1, 4) as integer) * 4 + cast(substr(period, 6, 1) as integer) - 1 as period_key
    from observations
    where value is not null
),

periods as (
    select distinct
        period,
        year,
        quarter,
        period_key
    from observed
),

-- each target, for each region it binds, at each reported quarter since the plan took force
subjects as (
    select
        t.plan_id,
        t.target_id,
        t.indicator_code,
        t.kind,
        t.direction,
        t.comparison,
        t.target_year,
        t.target_value_high,
        t.relative_to_baseline,
        t.peer_scope,
        t.baseline_value_std,
        t.target_value_std,
        tr.region_code,
        p.period_start,
        i.measure,
        i.direction as indicator_direction,
        pr.period,
        pr.year,
        pr.quarter,
        pr.period_key,
        coalesce(t.baseline_year, p.period_start - 1) as base_year
    from targets as t
    inner join plans as p using (plan_id)
    inner join target_regions as tr using (plan_id, target_id)
    inner join indicators as i using (indicator_code)
    cross join periods as pr
    where pr.year >= p.period_start
),

year_ends as (
    select *
    from observed
    where quarter = 4
),

-- the latest value at or before the quarter; a year-to-date flow only counts within its year, and a
-- level to reach on a flow (880 PCT applications a year) is judged on the latest full year
with_actual as (
    select
        s.*,
        s.measure = 'flow_ytd' and s.kind in ('level', 'share') as on_full_year,
        case when on_full_year then ye.period else a.period end as actual_period,
        case when on_full_year then ye.value_status else a.value_status end as value_status,
        case when on_full_year then ye.note else a.note end as note,
        case
            when on_full_year then ye.value
            when s.measure = 'flow_ytd' and a.year <> s.year then null
            else a.value
        end as actual
    from subjects as s
    asof left join observed as a
        on
            s.region_code = a.region_code
            and s.indicator_code = a.indicator_code
            and s.period_key >= a.period_key
    asof left join year_ends as ye
        on
            s.region_code = ye.region_code
            and s.indicator_code = ye.indicator_code
            and s.period_key >= ye.period_key
),

-- the baseline: the plan's own, else the latest value at or before the end of the base year
with_baseline as (
    select
        w.*,
        coalesce(w.baseline_value_std, b.value) as baseline
    from with_actual as w
    asof left join observed as b
        on
            w.region_code = b.region_code
            and w.indicator_code = b.indicator_code
            and w.base_year * 4 + 3 >= b.period_key
),

year_totals as (
    select
        region_code,
        indicator_code,
        year,
        arg_max(value, period_key) as year_total
    from observed
    group by region_code, indicator_code, year
),

with_context as (
    select
        w.*,
        coalesce(w.target_value_std, w.baseline * w.relative_to_baseline) as target,
        (w.year - 1) + w.quarter / 4.0 as t,
        py.value as same_period_last_year,
        (
            select sum(yt.year_total)
            from year_totals as yt
            where
                yt.region_code = w.region_code
                and yt.indicator_code = w.indicator_code
                and yt.year >= w.period_start
                and yt.year < w.year
        ) as earlier_years_total
    from with_baseline as w
    left join observed as py
        on
            w.region_code = py.region_code
            and w.indicator_code = py.indicator_code
            and w.period_key - 4 = py.period_key
),

-- rank among peers: regions of the same level under the same province (or the same parent)
region_provinces as (
    select
        r.region_code,
        r.level,
        r.parent_code,
        case
            when r.level = 'province' then r.region_code
            when parent.level = 'province' then parent.region_code
            else parent.parent_code
        end as province_code
    from regions as r
    left join regions as parent on r.parent_code = parent.region_code
),

peer_ranks as (
    select
        o.region_code,
        o.indicator_code,
        o.period_key,
        rank() over province_peers as rank_in_province,
        rank() over parent_peers as rank_in_parent,
        -- counted over the whole group: with an order, count(*) would be a running count
        count(*) over (partition by o.indicator_code, o.period_key, rp.level, rp.province_code) as peers_in_province,
        count(*) over (partition by o.indicator_code, o.period_key, rp.level, rp.parent_code) as peers_in_parent
    from observed as o
    inner join region_provinces as rp using (region_code)
    inner join indicators as i using (indicator_code)
    window
        province_peers as (
            partition by o.indicator_code, o.period_key, rp.level, rp.province_code
            order by case when i.direction = 'up' then -o.value else o.value end
        ),
        parent_peers as (
            partition by o.indicator_code, o.period_key, rp.level, rp.parent_code
            order by case when i.direction = 'up' then -o.value else o.value end
        )
),

measured as (
    select
        w.*,
        case when w.peer_scope = 'province' then pk.rank_in_province else pk.rank_in_parent end as rank,
        case when w.peer_scope = 'province' then pk.peers_in_province else pk.peers_in_parent end as peer_count,
        greatest(0.0, least(1.0, (w.t - w.base_year) / nullif(w.target_year - w.base_year, 0))) as plan_elapsed,
        100.0 * (w.actual / nullif(w.same_period_last_year, 0) - 1) as growth,
        case
            when w.measure = 'flow_ytd' then coalesce(w.earlier_years_total, 0) + w.actual
            else w.actual - coalesce(w.baseline, 0)
        end as accumulated
    from with_context as w
    left join peer_ranks as pk
        on
            w.kind = 'rank'
            and w.region_code = pk.region_code
            and w.indicator_code = pk.indicator_code
            and w.period_key = pk.period_key
),

scored as (
    select
        *,
        case kind
            when 'annual_growth' then growth / nullif(target, 0)
            when 'annual_flow' then actual / nullif(target, 0)
            when 'cumulative' then accumulated / nullif(target, 0)
            when 'rank' then null
            else case
                when baseline is not null and target <> baseline
                    then (actual - baseline) / (target - baseline)
                when direction = 'up' then actual / nullif(target, 0)
                else target / nullif(actual, 0)
            end
        end as completion,
        case kind
            when 'annual_growth' then 1.0
            when 'annual_flow' then quarter / 4.0
            when 'rank' then null
            else plan_elapsed
        end as expected,
        case kind
            when 'annual_growth' then quarter = 4 and growth >= target
            when 'annual_flow' then actual >= target
            when 'cumulative' then accumulated >= target
            when 'rank' then rank <= ceil(target / 100.0 * peer_count)
            when 'level' then case when direction = 'up' then actual >= target else actual <= target end
            when 'share' then case when direction = 'up' then actual >= target else actual <= target end
        end as achieved,
        case kind
            when 'annual_growth' then growth is null
            when 'rank' then rank is null
            else actual is null or target is null
        end as missing
    from measured
),

thresholds as (
    select
        max(min_pace) filter (where status = 'on_track') as on_track,
        max(min_pace) filter (where status = 'needs_acceleration') as needs_acceleration,
        max(min_pace) filter (where status = 'lagging') as lagging
    from status_levels
),

paced as (
    select
        scored.*,
        thresholds.on_track,
        thresholds.needs_acceleration,
        thresholds.lagging,
        case when scored.expected > 0 then scored.completion / scored.expected end as pace
    from scored
    cross join thresholds
)

select
    region_code,
    plan_id,
    target_id,
    indicator_code,
    kind,
    period,
    actual,
    actual_period,
    value_status,
    note,
    baseline,
    target,
    target_value_high as target_high,
    target_year,
    completion,
    expected,
    pace,
    growth,
    rank,
    peer_count,
    case
        when missing then 'no_data'
        when achieved then 'achieved'
        when kind = 'rank' then 'lagging'
        when pace is null then case when completion >= 0 then 'on_track' else 'regressing' end
        when pace >= on_track then 'on_track'
        when pace >= needs_acceleration then 'needs_acceleration'
        when pace >= lagging then 'lagging'
        else 'regressing'
    end as status
from paced;
