-- Values of a plan's regions for one quarter that a later submission corrected: each change from one version to
-- the next, with the file that made it (two successive corrections are two rows, each with its own file).
-- A resubmission of the same value corrected nothing and is not listed.
with plan_regions as (
    select distinct region_code
    from target_regions
    where plan_id = $plan_id
),

versions as (
    select
        oa.*,
        lag(oa.value) over in_order as previous_value,
        lag(oa.file_name) over in_order as previous_file,
        row_number() over in_order as nth
    from observations_all as oa
    inner join plan_regions using (region_code)
    where oa.period = $period
    window in_order as (partition by oa.region_code, oa.indicator_code order by oa.received_at, oa.submission_id)
)

select
    v.region_code,
    r.full_name as region_name,
    v.indicator_code,
    i.name_zh as indicator_name,
    cast(v.previous_value as double) as old_value,
    cast(v.value as double) as new_value,
    i.unit,
    v.previous_file as old_file,
    v.file_name as new_file,
    v.received_at as corrected_at
from versions as v
inner join region_names as r on v.region_code = r.region_code
inner join indicators as i on v.indicator_code = i.indicator_code
where v.nth > 1 and v.value is distinct from v.previous_value
order by v.region_code, i.name_zh, v.received_at;
