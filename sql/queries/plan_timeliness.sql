-- The offices reporting for a plan (its own office and any that sent values for its regions) and whether each
-- sent the quarter on time, late, or not at all; nothing yet before the due date is 'not_due', not missing
-- (the monthly bulletin of the 5th reports a quarter due on the 15th), on $today: the day the edition was made.
with plan_regions as (
    select distinct region_code
    from target_regions
    where plan_id = $plan_id
),

offices as (
    select distinct s.office_code
    from submissions as s
    inner join observation_versions using (submission_id)
    inner join plan_regions using (region_code)
    union
    select region_code as office_code
    from plans
    where plan_id = $plan_id
),

status as (
    select
        o.office_code,
        due_date($period) as due_date,
        t.first_received_at,
        coalesce(t.timeliness, case when cast($today as date) <= due_date($period) then 'not_due' else 'missing' end)
            as timeliness
    from offices as o
    left join timeliness as t on o.office_code = t.office_code and t.period = $period
)

select
    s.office_code,
    coalesce(r.full_name, s.office_code) as office_name,
    s.due_date,
    s.first_received_at,
    s.timeliness,
    case s.timeliness
        when 'on_time' then '按时'
        when 'late' then '逾期（含补报）'
        when 'not_due' then '未到报送期限'
        else '未报'
    end as timeliness_label
from status as s
left join region_names as r on s.office_code = r.region_code
order by s.office_code;
