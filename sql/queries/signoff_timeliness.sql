-- Each reviewing office's signatures of a quarter against its deadline (signoff_due), for the bulletin's
-- data-quality section and the reviewer's page: the offices after the first in each region's chain (as its latest
-- step recorded it; a region never submitted has none, its lateness is its reporting's), of the regions $regions
-- (null: all). A signature is on time or late; an office the region waits for, past its deadline on $today (the
-- day the edition was made), is overdue; otherwise it is not yet its turn or not yet due.
with chains as (
    select
        region_code,
        state,
        step,
        chain
    from approval_state
    where
        quarter = $quarter
        and ($regions is null or region_code in (select unnest($regions)))
),

reviewers as (
    select
        region_code,
        state,
        step,
        generate_subscripts(chain, 1) - 1 as position,
        unnest(chain) as office_code
    from chains
),

signed as (
    select
        region_code,
        office_code,
        max(acted_at) as signed_at
    from approval_log
    where quarter = $quarter and action in ('approve', 'accept')
    group by region_code, office_code
),

judged as (
    select
        r.region_code,
        r.office_code,
        n.level,
        signoff_due($quarter, n.level) as due_date,
        case
            when
                r.state in ('approved', 'accepted') and r.step >= r.position
                and cast(s.signed_at as date) <= signoff_due($quarter, n.level)
                then 'on_time'
            when r.state in ('approved', 'accepted') and r.step >= r.position then 'late'
            when
                r.state in ('submitted', 'approved') and r.step = r.position - 1
                and cast($today as date) > signoff_due($quarter, n.level)
                then 'overdue'
            else 'pending'
        end as timeliness
    from reviewers as r
    left join signed as s on r.region_code = s.region_code and r.office_code = s.office_code
    left join regions as n on r.office_code = n.region_code
    where r.position > 0
)

select
    j.office_code,
    coalesce(o.full_name, j.office_code) as office_name,
    any_value(j.due_date) as due_date,
    count(*) filter (where j.timeliness = 'on_time') as on_time,
    count(*) filter (where j.timeliness = 'late') as late,
    count(*) filter (where j.timeliness = 'overdue') as overdue,
    count(*) filter (where j.timeliness = 'pending') as pending,
    list(coalesce(c.full_name, j.region_code) order by j.region_code) filter (
        where j.timeliness in ('late', 'overdue')
    ) as late_regions
from judged as j
left join region_names as o on j.office_code = o.region_code
left join region_names as c on j.region_code = c.region_code
group by j.office_code, o.full_name
order by j.office_code;
