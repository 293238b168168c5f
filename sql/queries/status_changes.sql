-- Targets of a plan whose status changed from the previous quarter to this one, for each region they bind.
with both_quarters as materialized (
    select *
    from progress
    where plan_id = $plan_id and period in ($period, $previous)
),

now as (
    select *
    from both_quarters
    where period = $period
),

before as (
    select *
    from both_quarters
    where period = $previous
)

select
    now.region_code,
    r.full_name as region_name,
    t.target_id,
    t.wording,
    before.status as status_before,
    sb.label_zh as label_before,
    now.status as status_now,
    sn.label_zh as label_now
from now
inner join before using (region_code, target_id)
inner join targets as t on now.plan_id = t.plan_id and now.target_id = t.target_id
inner join region_names as r on now.region_code = r.region_code
inner join status_levels as sb on before.status = sb.status
inner join status_levels as sn on now.status = sn.status
where now.status <> before.status
order by now.region_code, sn.sort_order, t.wording;
