-- A region's values in force for one quarter beside the quarter before (the reviewer's page, 逐级审核): each
-- indicator with its value, status and unit, last quarter's value, the change, and the open findings on it.
with this_quarter as (
    select *
    from observations
    where region_code = $region_code and period = $quarter
),

last_quarter as (
    select
        indicator_code,
        value as previous_value
    from observations
    where region_code = $region_code and period = $previous
),

open_findings as (
    select
        v.indicator_code,
        count(*) as open_findings
    from values_under_audit as v
    where v.region_code = $region_code and v.period = $quarter
    group by v.indicator_code
),

joined as (
    select
        t.indicator_code,
        i.name_zh as indicator_name,
        t.value,
        t.unit,
        t.status,
        l.previous_value,
        t.value - l.previous_value as change,
        coalesce(f.open_findings, 0) as open_findings
    from this_quarter as t
    inner join indicators as i on t.indicator_code = i.indicator_code
    left join last_quarter as l on t.indicator_code = l.indicator_code
    left join open_findings as f on t.indicator_code = f.indicator_code
)

select * from joined
order by indicator_code;
