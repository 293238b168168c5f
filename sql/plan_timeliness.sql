-- The offices reporting for a plan (its own office and any that sent values for its regions) and whether each
-- sent the quarter on time, late, or not at all.
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
)

select
    o.office_code,
    r.name as office_name,
    t.due_date,
    t.first_received_at,
    coalesce(t.timeliness, 'missing') as timeliness,
    case coalesce(t.timeliness, 'missing')
        when 'on_time' then '按时'
        when 'late' then '逾期（含补报）'
        else '未报'
    end as timeliness_label
from offices as o
left join regions as r on o.office_code = r.region_code
left join timeliness as t on o.office_code = t.office_code and t.period = $period
order by o.office_code;
