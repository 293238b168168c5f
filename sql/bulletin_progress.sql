-- Every target of a plan, for every region it binds, with its progress at one quarter (no_data when none).
with at_period as (
    select *
    from progress
    where plan_id = $plan_id and period = $period
)

select
    tr.region_code,
    r.name as region_name,
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
    coalesce(t.unit, i.unit) as target_unit,
    i.unit,
    t.target_year,
    t.target_value,
    t.target_value_high,
    t.baseline_year,
    t.baseline_value,
    t.relative_to_baseline,
    t.source,
    p.actual,
    p.actual_period,
    p.value_status,
    p.note,
    p.baseline,
    p.baseline_period,
    p.target,
    p.completion,
    p.expected,
    p.pace,
    p.growth,
    p.rank,
    p.peer_count,
    coalesce(p.status, 'no_data') as status,
    s.label_zh as status_label,
    s.sort_order as status_order
from targets as t
inner join target_regions as tr using (plan_id, target_id)
inner join indicators as i using (indicator_code)
inner join regions as r on tr.region_code = r.region_code
left join at_period as p
    on t.plan_id = p.plan_id and t.target_id = p.target_id and tr.region_code = p.region_code
inner join status_levels as s on coalesce(p.status, 'no_data') = s.status
where t.plan_id = $plan_id
order by tr.region_code, i.category, t.target_id;
