-- The state of a plan's data for one quarter: per region, how its values stand (submitted as normal,
-- provisional, estimated or missing; derived from children) and the warnings held for audit.
with plan_regions as (
    select distinct region_code
    from target_regions
    where plan_id = $plan_id
),

-- every value of the quarter, a value the office reported as not available (缺失, no number) included:
-- `observed` holds only numbers, and a state line without the blanks would read as if nothing were missing
values_now as (
    select
        o.region_code,
        o.value_status
    from observed as o
    inner join plan_regions using (region_code)
    where o.period = $period
    union all
    select
        s.region_code,
        s.status as value_status
    from observations as s
    inner join plan_regions using (region_code)
    where
        s.period = $period and s.value is null
        and not exists (
            select 1 from observed as o
            where o.region_code = s.region_code and o.indicator_code = s.indicator_code and o.period = s.period
        )
),

warnings as (
    select
        f.submission_id,
        count(*) as warnings
    from findings as f
    where f.severity = 'warning' and f.decision is null
    group by f.submission_id
),

submitted as (
    select
        s.submission_id,
        s.office_code,
        s.file_name,
        s.received_at,
        s.status
    from submissions as s
    where s.submission_id in (
        select ov.submission_id from observation_versions as ov
        inner join plan_regions using (region_code)
        where ov.period = $period
    )
)

select
    'values' as part,
    value_status as item,
    count(*) as n,
    null as received_at,
    null as office_code
from values_now
group by value_status
union all
select
    'submissions' as part,
    s.file_name as item,
    coalesce(w.warnings, 0) as n,
    s.received_at,
    s.office_code
from submitted as s
left join warnings as w using (submission_id)
order by part desc, item asc;
