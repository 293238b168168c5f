-- What stands between a region's quarters and their signatures, one row a quarter of $quarters: the indicators it
-- must report that it has not (while a plan that binds it is in force; an annual indicator only in the fourth
-- quarter), the open findings on its values in force, and its data version (a hash of those values, which the
-- step records). One query for all of an office's calendar: one a quarter made its page eight queries long.
with asked as (
    select unnest(cast($quarters as varchar[])) as quarter
),

in_force as (
    select distinct a.quarter
    from asked as a
    inner join plans as p on cast(left(a.quarter, 4) as integer) between p.period_start - 1 and p.period_end
    inner join target_regions as t on p.plan_id = t.plan_id
    where t.region_code = $region_code
),

required as (
    select
        f.quarter,
        q.indicator_code,
        i.name_zh as name
    from in_force as f
    cross join required_indicators as q
    inner join indicators as i on q.indicator_code = i.indicator_code
    where
        q.region_code = $region_code
        and (i.frequency <> 'annual' or right(f.quarter, 1) = '4')
),

reported as (
    select o.*
    from observations as o
    where o.region_code = $region_code and o.period in (select a.quarter from asked as a)
),

missing as (
    select
        r.quarter,
        list(r.name order by r.name) as missing
    from required as r
    anti join reported as o on r.quarter = o.period and r.indicator_code = o.indicator_code
    group by r.quarter
),

open_findings as (
    select
        v.period as quarter,
        count(*) as open_findings
    from values_under_audit as v
    where v.region_code = $region_code and v.period in (select a.quarter from asked as a)
    group by v.period
),

versions as (
    select
        o.period as quarter,
        md5(string_agg(
            o.indicator_code || '=' || coalesce(cast(o.value as varchar), '') || ':' || o.status, ';'
            order by o.indicator_code
        )) as data_version
    from reported as o
    group by o.period
)

select
    a.quarter,
    m.missing,
    coalesce(f.open_findings, 0) as open_findings,
    coalesce(v.data_version, md5('')) as data_version
from asked as a
left join missing as m on a.quarter = m.quarter
left join open_findings as f on a.quarter = f.quarter
left join versions as v on a.quarter = v.quarter
order by a.quarter;
