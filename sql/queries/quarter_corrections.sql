-- Values of a plan's regions for one quarter that a later submission corrected: the old and the current value.
-- A resubmission of the same value corrected nothing and is not listed.
with plan_regions as (
    select distinct region_code
    from target_regions
    where plan_id = $plan_id
),

versions as (
    select oa.*
    from observations_all as oa
    inner join plan_regions using (region_code)
    where oa.period = $period
)

select
    old.region_code,
    r.full_name as region_name,
    old.indicator_code,
    i.name_zh as indicator_name,
    cast(old.value as double) as old_value,
    cast(now.value as double) as new_value,
    i.unit,
    old.file_name as old_file,
    now.file_name as new_file,
    now.received_at as corrected_at
from versions as old
inner join versions as now
    on old.region_code = now.region_code and old.indicator_code = now.indicator_code and now.is_current
inner join region_names as r on old.region_code = r.region_code
inner join indicators as i on old.indicator_code = i.indicator_code
where not old.is_current and old.value is distinct from now.value
order by old.region_code, i.name_zh, old.received_at;
