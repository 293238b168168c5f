-- Progress of every target, for every region it binds, at every reported quarter since its plan took force.
-- Time: quarter q of year y ends at t = (y - 1) + q / 4; expected (序时进度) = (t - t0) / (T - t0) in [0, 1].
-- The method for each kind of target is in README, "Progress".
-- A target is judged once and for all (终期) on the end of its target year: from that year's last quarter on,
-- every quarter repeats that judgement (final: reached, or missed), and latest_actual shows the newer value
-- beside it, never mixed in.
-- Completion, expected, pace and status all come from one observation (actual_period), timed at its quarter.
-- One rule joins them: met (the figure meets the target by the plan's comparison) iff completion >= 1, and a row is
-- achieved iff it is met and no year of a 每年 target was missed (missed_years).
create or replace view progress as
-- `observed` once: every step below reads it, and inlined it would be derived again for each
with values_at as materialized (
    select * from observed
),

-- every quarter any value was accepted for, whether or not an edition may show it (a quarter whose values are all
-- still in sign-off is judged on the values before it, not left out)
periods as (
    select
        period,
        cast(left(period, 4) as integer) as year,
        cast(right(period, 1) as integer) as quarter,
        period_key(cast(left(period, 4) as integer), cast(right(period, 1) as integer)) as period_key
    from (select distinct ov.period from observation_versions as ov) as reported
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
        t.per_year,
        t.counts_whole,
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
-- it has passed). A level or share on a flow (880 PCT applications a year), or a 年均 growth of a flow: the latest
-- full year. Any other use of a flow: the latest year-to-date of the judged quarter's year, at that quarter or
-- before (a quarter reported 缺失 is judged on the year's quarter before, as value_missing's notice promises, timed
-- there; never on another year's, which counts another year). A stock: the latest value so far.
-- latest_key: the same choice at the reporting quarter, for the newer value a final judgement shows beside it.
with_choice as (
    select
        s.*,
        case
            when s.measure = 'flow_ytd' and (s.kind in ('level', 'share') or s.per_year = 'average')
                then full_year.period_key
            when s.measure = 'flow_ytd' and latest.period_key // 4 = s.judged_key // 4 then latest.period_key
            when s.measure = 'flow_ytd' then null
            else latest.period_key
        end as actual_key,
        case
            when s.measure = 'flow_ytd' and (s.kind in ('level', 'share') or s.per_year = 'average')
                then newest_year.period_key
            when s.measure = 'flow_ytd' and newest.period_key // 4 = s.period_key // 4 then newest.period_key
            when s.measure = 'flow_ytd' then null
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

-- A 每年 target binds every year of its plan: each year-end figure (a flow's full year, a growth on the year
-- before) from the plan's first year to the judged quarter is compared with the target; a year without a
-- year-end value is not judged (never counted as missed).
each_year as (
    select
        w.plan_id,
        w.target_id,
        w.region_code,
        w.period,
        coalesce(list(ye.year order by ye.year) filter (
            where not meets(
                case
                    when w.kind = 'annual_growth' then 100.0 * (ye.value / nullif(before.value, 0) - 1)
                    else ye.value
                end,
                w.comparison,
                w.target
            )
        ), []) as missed_years
    from with_totals as w
    left join year_ends as ye
        on
            w.region_code = ye.region_code
            and w.indicator_code = ye.indicator_code
            and w.period_start <= ye.year
            and w.judged_key >= ye.period_key
    left join year_ends as before
        on
            ye.region_code = before.region_code
            and ye.indicator_code = before.indicator_code
            and ye.year - 1 = before.year
    where w.per_year = 'each'
    group by w.plan_id, w.target_id, w.region_code, w.period
),

measured as (
    select
        w.*,
        ey.missed_years,
        case when w.peer_scope = 'province' then pk.rank_in_province else pk.rank_in_parent end as rank,
        case when w.peer_scope = 'province' then pk.last_in_province else pk.last_in_parent end as rank_last,
        case when w.peer_scope = 'province' then pk.peers_in_province else pk.peers_in_parent end as peer_count,
        greatest(0.0, least(1.0, (w.t - w.base_year) / nullif(w.target_year - w.base_year, 0))) as plan_elapsed,
        case
            -- 年均: the average yearly growth since the base year, (A / B) ^ (1 / (t - t0)) - 1
            when w.per_year = 'average'
                then
                    case
                        when w.baseline > 0 and w.actual >= 0 and w.t > w.base_year
                            then 100.0 * (pow(w.actual / w.baseline, 1 / (w.t - w.base_year)) - 1)
                    end
            else 100.0 * (w.actual / nullif(w.same_period_last_year, 0) - 1)
        end as growth,
        case
            when w.measure = 'flow_ytd' and w.full_years_found < w.full_years_wanted then null
            when w.measure = 'flow_ytd' then w.full_years_total + w.actual
            when w.cumulative_basis = 'new' then w.actual - w.baseline
            else w.actual
        end as accumulated
    from with_totals as w
    left join each_year as ey using (plan_id, target_id, region_code, period)
    left join peer_ranks as pk
        on
            w.region_code = pk.region_code
            and w.indicator_code = pk.indicator_code
            and (case when w.kind = 'rank' then w.judged_key end) = pk.period_key
),

-- the figure each kind compares with its target; the places a top-N% target has (30% of 100: 30, integer
-- arithmetic so that 30% of 100 is never 31); goal: the figure at which the target is first met, where
-- completion is 1 (超过 N of whole items is first met at N + 1, 低于 N at N - 1)
judged as (
    select
        *,
        case kind
            when 'annual_growth' then growth
            when 'cumulative' then accumulated
            else actual
        end as reached,
        case when kind = 'rank' then cast(ceil(target * peer_count / 100.0) as integer) end as places,
        case
            when counts_whole and comparison = '>' then target + 1
            when counts_whole and comparison = '<' then target - 1
            else target
        end as goal
    from measured
),

-- met: a top-N target counts a tie only when the whole tie is within the places (the last place it takes), so
-- that the regions meeting it never outnumber the places; any other by the plan's comparison
compared as (
    select
        *,
        case
            when kind = 'rank' then rank_last <= places
            else meets(reached, comparison, target)
        end as met,
        case
            when kind in ('annual_growth', 'annual_flow', 'cumulative') then reached / nullif(goal, 0)
            when kind = 'rank' then null
            -- from the baseline when the goal lies ahead of it; a baseline already past the goal measures nothing
            when baseline is not null and (goal - baseline) * (case when direction = 'up' then 1 else -1 end) > 0
                then (actual - baseline) / (goal - baseline)
            when direction = 'up' then actual / nullif(goal, 0)
            else goal / nullif(actual, 0)
        end as ratio
    from judged
),

scored as (
    select
        *,
        -- completion agrees with met: at least 1 when met; when not, at most 0.999, so that no figure short of
        -- its target is ever shown as 100% (a display rounding to 0.1% would make 99.96% read 100.0%)
        case
            when kind = 'rank' then null
            when met then greatest(ratio, 1.0)
            when ratio > 0.999 then 0.999
            else ratio
        end as completion,
        case kind
            when 'annual_growth' then 1.0
            when 'annual_flow' then eval_quarter / 4.0
            when 'rank' then null
            else plan_elapsed
        end as expected,
        case kind
            when 'rank' then rank is null
            when 'cumulative' then accumulated is null and (measure = 'flow_ytd' or actual is null)
            else reached is null
        end as missing,
        target is null
        or (
            kind = 'cumulative' and cumulative_basis = 'new' and measure <> 'flow_ytd' and baseline is null
        )
        or (per_year = 'average' and baseline is null) as without_baseline
    from compared
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
    met,
    missed_years,
    completion,
    expected,
    pace,
    cagr,
    required_cagr,
    cagr / nullif(required_cagr, 0) as anticipated,
    growth,
    rank,
    rank_last - rank + 1 as tied,
    peer_count,
    places,
    case
        -- a year of a 每年 target missed stays missed: 到期未完成, whatever this year brings (README, Progress)
        when len(missed_years) > 0 then 'missed'
        when actual is null and incomplete then 'incomplete'
        when without_baseline and actual is not null then 'no_baseline'
        when missing or without_baseline then 'no_data'
        when met then 'achieved'
        when final then 'missed'
        when kind = 'rank' then 'lagging'
        when pace is null then case when completion >= 0 then 'on_track' else 'regressing' end
        when pace >= on_track then 'on_track'
        when pace >= needs_acceleration then 'needs_acceleration'
        when pace >= lagging then 'lagging'
        else 'regressing'
    end as status
from paced;
