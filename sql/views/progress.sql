-- Progress of every target, for every region it binds, at every reported quarter since its plan took force.
-- Time: quarter q of year y ends at t = (y - 1) + q / 4; expected (序时进度) = (t - t0) / (T - t0) in [0, 1].
-- The method for each kind of target is in README, "Progress".
-- A target is judged once and for all (终期) on the end of its target year: from that year's last quarter on,
-- every quarter repeats that judgement (final: reached, or missed), and latest_actual shows the newer value
-- beside it, never mixed in.
-- Completion, expected, pace and status all come from one observation (actual_period), timed at its quarter.
create or replace view progress as
-- `observed` once: every step below reads it, and inlined it would be derived again for each
with values_at as materialized (
    select * from observed
),

periods as (
    select distinct
        period,
        year,
        quarter,
        period_key
    from values_at
),

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
        t.cumulative_basis,
        t.peer_scope,
        t.baseline_value_std,
        t.target_value_std,
        tr.region_code,
        p.period_start,
        i.measure,
        pr.period,
        pr.year,
        pr.quarter,
        pr.period_key,
        least(pr.period_key, period_key(t.target_year, 4)) as judged_key,
        -- the target year's last quarter brings its year-end value: from then on the judgement is final
        pr.period_key >= period_key(t.target_year, 4) as final,
        coalesce(t.baseline_year, p.period_start - 1) as base_year
    from targets as t
    inner join plans as p using (plan_id)
    inner join target_regions as tr using (plan_id, target_id)
    inner join indicators as i using (indicator_code)
    cross join periods as pr
    where pr.year >= p.period_start
),

measured_pairs as (
    select distinct
        region_code,
        indicator_code
    from subjects
),

-- the values of the regions and indicators measured: the lookups below read these, not every region's
subject_values as materialized (
    select v.*
    from values_at as v
    semi join measured_pairs as m
        on v.region_code = m.region_code and v.indicator_code = m.indicator_code
),

year_ends as (
    select *
    from subject_values
    where quarter = 4
),

-- The value a target is judged on, at the judged quarter (the reporting one, or the end of the target year once
-- it has passed). A level or share on a flow (880 PCT applications a year): the latest full year. Any other use
-- of a flow: the year-to-date of that very quarter. A stock: the latest value so far. latest_key: the same
-- choice at the reporting quarter, for the newer value a final judgement shows beside it.
with_choice as (
    select
        s.*,
        case
            when s.measure = 'flow_ytd' and s.kind in ('level', 'share') then full_year.period_key
            when s.measure = 'flow_ytd' then s.judged_key
            else latest.period_key
        end as actual_key,
        case
            when s.measure = 'flow_ytd' and s.kind in ('level', 'share') then newest_year.period_key
            when s.measure = 'flow_ytd' then s.period_key
            else newest.period_key
        end as latest_key
    from subjects as s
    asof left join subject_values as latest
        on
            s.region_code = latest.region_code
            and s.indicator_code = latest.indicator_code
            and s.judged_key >= latest.period_key
    asof left join year_ends as full_year
        on
            s.region_code = full_year.region_code
            and s.indicator_code = full_year.indicator_code
            and s.judged_key >= full_year.period_key
    asof left join subject_values as newest
        on
            s.region_code = newest.region_code
            and s.indicator_code = newest.indicator_code
            and s.period_key >= newest.period_key
    asof left join year_ends as newest_year
        on
            s.region_code = newest_year.region_code
            and s.indicator_code = newest_year.indicator_code
            and s.period_key >= newest_year.period_key
),

with_actual as (
    select
        c.*,
        a.value as actual,
        a.period as actual_period,
        a.value_status,
        a.note,
        coalesce(a.derived, false) as derived,
        coalesce(a.incomplete, false) as incomplete,
        a.denominator_period,
        newer.value as latest_actual,
        newer.period as latest_period,
        -- the judged quarter, and the one whose time the observation stands at (t below)
        c.judged_key // 4 as judged_year,
        coalesce(c.actual_key, c.judged_key) as eval_key
    from with_choice as c
    left join subject_values as a
        on
            c.region_code = a.region_code
            and c.indicator_code = a.indicator_code
            and c.actual_key = a.period_key
    -- the condition on the left side sits in the key (null: no match) so that DuckDB joins by hash, not by loop
    left join subject_values as newer
        on
            c.region_code = newer.region_code
            and c.indicator_code = newer.indicator_code
            and (case when c.final then c.latest_key end) = newer.period_key
),

-- the plan's own baseline, else the value at the end of the base year (a flow: that year's total)
with_baseline as (
    select
        w.*,
        coalesce(
            w.baseline_value_std, case when w.measure = 'flow_ytd' then base_total.value else base_stock.value end
        ) as baseline,
        -- where a baseline the plan does not give was taken from: the quarter of that observation
        case
            when w.baseline_value_std is not null then null
            when w.measure = 'flow_ytd' then base_total.period
            else base_stock.period
        end as baseline_period
    from with_actual as w
    asof left join subject_values as base_stock
        on
            w.region_code = base_stock.region_code
            and w.indicator_code = base_stock.indicator_code
            and period_key(w.base_year, 4) >= base_stock.period_key
    left join year_ends as base_total
        on
            w.region_code = base_total.region_code
            and w.indicator_code = base_total.indicator_code
            and w.base_year = base_total.year
),

-- a flow accumulated over the plan: the full years since it took force (up to its target year), plus
-- this year's year-to-date while the target year has not passed; a missing year leaves it unknown
full_years as (
    select
        w.plan_id,
        w.target_id,
        w.region_code,
        w.period,
        count(ye.value) as full_years_found,
        coalesce(sum(ye.value), 0) as full_years_total
    from with_baseline as w
    left join year_ends as ye
        on
            w.region_code = ye.region_code
            and w.indicator_code = ye.indicator_code
            and ye.year between w.period_start and w.judged_year - 1
    where w.kind = 'cumulative' and w.measure = 'flow_ytd'
    group by w.plan_id, w.target_id, w.region_code, w.period
),

with_totals as (
    select
        w.*,
        fy.full_years_found,
        fy.full_years_total,
        coalesce(w.target_value_std, w.baseline * w.relative_to_baseline) as target,
        (w.eval_key + 1) / 4.0 - 1 as t,
        w.eval_key % 4 + 1 as eval_quarter,
        last_year.value as same_period_last_year,
        greatest(w.judged_year - w.period_start, 0) as full_years_wanted
    from with_baseline as w
    left join full_years as fy using (plan_id, target_id, region_code, period)
    left join subject_values as last_year
        on
            w.region_code = last_year.region_code
            and w.indicator_code = last_year.indicator_code
            and w.actual_key - 4 = last_year.period_key
),

measured as (
    select
        w.*,
        case when w.peer_scope = 'province' then pk.rank_in_province else pk.rank_in_parent end as rank,
        case when w.peer_scope = 'province' then pk.peers_in_province else pk.peers_in_parent end as peer_count,
        greatest(0.0, least(1.0, (w.t - w.base_year) / nullif(w.target_year - w.base_year, 0))) as plan_elapsed,
        100.0 * (w.actual / nullif(w.same_period_last_year, 0) - 1) as growth,
        case
            when w.measure = 'flow_ytd' and w.full_years_found < w.full_years_wanted then null
            when w.measure = 'flow_ytd' then w.full_years_total + w.actual
            when w.cumulative_basis = 'new' then w.actual - w.baseline
            else w.actual
        end as accumulated
    from with_totals as w
    left join peer_ranks as pk
        on
            w.region_code = pk.region_code
            and w.indicator_code = pk.indicator_code
            and (case when w.kind = 'rank' then w.judged_key end) = pk.period_key
),

-- the figure each kind compares with its target
judged as (
    select
        *,
        case kind
            when 'annual_growth' then growth
            when 'cumulative' then accumulated
            else actual
        end as reached
    from measured
),

scored as (
    select
        *,
        case
            when kind in ('annual_growth', 'annual_flow', 'cumulative') then reached / nullif(target, 0)
            when kind = 'rank' then null
            when baseline is not null and target <> baseline then (actual - baseline) / (target - baseline)
            when direction = 'up' then actual / nullif(target, 0)
            else target / nullif(actual, 0)
        end as completion,
        case kind
            when 'annual_growth' then 1.0
            when 'annual_flow' then eval_quarter / 4.0
            when 'rank' then null
            else plan_elapsed
        end as expected,
        case
            when kind = 'rank' then rank <= ceil(target / 100.0 * peer_count)
            when kind = 'annual_growth' and eval_quarter <> 4 then false
            when comparison = '>' then reached > target
            when comparison = '<' then reached < target
            when comparison = '<=' then reached <= target
            when comparison = '=' then reached = target
            else reached >= target
        end as achieved,
        case kind
            when 'rank' then rank is null
            when 'cumulative' then accumulated is null and (measure = 'flow_ytd' or actual is null)
            else reached is null
        end as missing,
        target is null
        or (
            kind = 'cumulative' and cumulative_basis = 'new' and measure <> 'flow_ytd' and baseline is null
        ) as without_baseline
    from judged
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
        case when scored.expected > 0 then scored.completion / scored.expected end as pace,
        -- anticipated progress (Open SDG): growth so far per year against the growth the target requires
        case
            when
                scored.kind in ('level', 'share') and scored.baseline > 0 and scored.target > 0
                and scored.actual > 0 and scored.t > scored.base_year
                then pow(scored.actual / scored.baseline, 1 / (scored.t - scored.base_year)) - 1
        end as cagr,
        case
            when scored.kind in ('level', 'share') and scored.baseline > 0 and scored.target > 0
                then pow(scored.target / scored.baseline, 1 / (scored.target_year - scored.base_year)) - 1
        end as required_cagr
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
    final,
    actual,
    actual_period,
    latest_actual,
    latest_period,
    value_status,
    note,
    derived,
    denominator_period,
    baseline,
    baseline_period,
    target,
    target_value_high as target_high,
    target_year,
    accumulated,
    reached,
    completion,
    expected,
    pace,
    cagr,
    required_cagr,
    cagr / nullif(required_cagr, 0) as anticipated,
    growth,
    rank,
    peer_count,
    case
        when actual is null and incomplete then 'incomplete'
        when without_baseline and actual is not null then 'no_baseline'
        when missing or without_baseline then 'no_data'
        when achieved then 'achieved'
        when final then 'missed'
        when kind = 'rank' then 'lagging'
        when pace is null then case when completion >= 0 then 'on_track' else 'regressing' end
        when pace >= on_track then 'on_track'
        when pace >= needs_acceleration then 'needs_acceleration'
        when pace >= lagging then 'lagging'
        else 'regressing'
    end as status
from paced;
