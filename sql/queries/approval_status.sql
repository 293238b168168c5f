-- Each region's quarter and where it stands in its sign-off, for `ipwatch approval status` and the reviewer's
-- page: for a given quarter every region a plan in force binds (未上报 shown, never left out), otherwise every
-- region's quarter that holds values or a step; within the regions given ($regions null: all).
with quarters as (
    select o.period as quarter
    from observations as o
    where $quarter is null
    union
    select a.quarter
    from approval_log as a
    where $quarter is null
    union
    select cast($quarter as varchar) as quarter
    where $quarter is not null
),

pairs as (
    select
        o.region_code,
        o.period as quarter
    from observations as o
    where o.period in (select q.quarter from quarters as q)
    union
    select
        a.region_code,
        a.quarter
    from approval_log as a
    where a.quarter in (select q.quarter from quarters as q)
    union
    select distinct
        t.region_code,
        cast($quarter as varchar) as quarter
    from target_regions as t
    inner join plans as pl on t.plan_id = pl.plan_id
    where
        $quarter is not null
        and cast(left($quarter, 4) as integer) between pl.period_start - 1 and pl.period_end
)

select
    p.region_code,
    n.name as region_name,
    p.quarter,
    coalesce(s.level, n.level) as level,
    coalesce(s.state, 'not_submitted') as state,
    coalesce(s.step, -1) as step,
    s.action,
    s.office_code,
    s.acted_by,
    s.acted_at,
    s.reason,
    s.overridden,
    s.data_version,
    s.chain
from pairs as p
left join approval_state as s on p.region_code = s.region_code and p.quarter = s.quarter
left join regions as n on p.region_code = n.region_code
where $regions is null or p.region_code in (select unnest($regions))
order by p.quarter, p.region_code;
