-- Every target of a plan, for every region it binds, with its progress at one quarter (no_data when none),
-- and the indicator's change on the previous quarter (stocks) and on the same quarter a year before: relative
-- for counts and amounts, a difference (百分点, 分) for percentages and scores, where a relative change misleads.
-- A region is named as it was on the quarter's last day (region_names: under its last name if it was none then).
with at_period as (
    select *
    from progress
    where plan_id = $plan_id and period = $period
),

audited as (
    select
        region_code,
        period,
        indicator_code,
        string_agg(distinct rule, '、') as audit_rules
    from values_under_audit
    group by region_code, period, indicator_code
),

this_quarter as (
    select *
    from observed
    where period = $period
)

select
    tr.region_code,
    coalesce(named.full_name, r.full_name) as region_name,
    t.target_id,
    t.indicator_code,
    i.name_zh as indicator_name,
    i.category,
    t.wording,
    t.kind,
    t.direction,
    t.comparison,
    t.attribute,
    t.peer_scope,
    coalesce(t.read_as, t.unit, i.unit) as target_unit,
    i.unit,
    t.target_year,
    t.target_value,
    t.target_value_high,
    t.baseline_year,
    t.baseline_value,
    t.relative_to_baseline,
    t.cumulative_basis,
    t.per_year,
    t.source,
    i.measure,
    p.final,
    p.actual,
    p.actual_period,
    p.latest_actual,
    p.latest_period,
    p.value_status,
    p.note,
    p.baseline,
    p.baseline_period,
    p.target,
    p.accumulated,
    p.reached,
    p.met,
    p.missed_years,
    p.completion,
    p.expected,
    p.pace,
    p.growth,
    p.rank,
    p.tied,
    p.peer_count,
    p.places,
    coalesce(p.status, 'no_data') as status,
    s.label_zh as status_label,
    s.sort_order as status_order,
    i.unit in ('%', '‰', '分') as change_in_points,
    case
        when i.measure = 'flow_ytd' then null
        when i.unit in ('%', '‰', '分') then now.value - prev.value
        else now.value / nullif(prev.value, 0) - 1
    end as change_on_quarter,
    case
        when i.unit in ('%', '‰', '分') then now.value - last_year.value
        else now.value / nullif(last_year.value, 0) - 1
    end as change_on_year,
    audited.audit_rules
from targets as t
inner join target_regions as tr using (plan_id, target_id)
inner join indicators as i using (indicator_code)
inner join region_names as r on tr.region_code = r.region_code
left join regions_on(quarter_end($period)) as named on tr.region_code = named.region_code
left join at_period as p
    on t.plan_id = p.plan_id and t.target_id = p.target_id and tr.region_code = p.region_code
inner join status_levels as s on coalesce(p.status, 'no_data') = s.status
left join this_quarter as now on tr.region_code = now.region_code and t.indicator_code = now.indicator_code
left join observed as prev
    on
        now.region_code = prev.region_code and now.indicator_code = prev.indicator_code
        and now.period_key - 1 = prev.period_key
left join audited
    on
        tr.region_code = audited.region_code and p.actual_period = audited.period
        and t.indicator_code = audited.indicator_code
left join observed as last_year
    on
        now.region_code = last_year.region_code and now.indicator_code = last_year.indicator_code
        and now.period_key - 4 = last_year.period_key
where t.plan_id = $plan_id
order by tr.region_code, i.category, t.target_id;
