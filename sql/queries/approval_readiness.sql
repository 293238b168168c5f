-- What stands between a region's quarter and its signature: the indicators it must report that it has not (while
-- a plan that binds it is in force; an annual indicator only in the fourth quarter), the open findings on its
-- values in force, and its data version (a hash of those values, which the step records).
with in_force as (
    select t.region_code
    from target_regions as t
    inner join plans as p on t.plan_id = p.plan_id
    where cast(left($quarter, 4) as integer) between p.period_start - 1 and p.period_end
),

required as (
    select
        q.indicator_code,
        i.name_zh as name
    from required_indicators as q
    inner join indicators as i on q.indicator_code = i.indicator_code
    where
        q.region_code = $region_code
        and q.region_code in (select f.region_code from in_force as f)
        and (i.frequency <> 'annual' or right($quarter, 1) = '4')
),

reported as (
    select *
    from observations
    where region_code = $region_code and period = $quarter
)

select
    (
        select list(r.name order by r.name)
        from required as r
        where r.indicator_code not in (select o.indicator_code from reported as o)
    ) as missing,
    (
        select count(*)
        from values_under_audit as v
        where v.region_code = $region_code and v.period = $quarter
    ) as open_findings,
    (
        select
            md5(coalesce(string_agg(
                o.indicator_code || '=' || coalesce(cast(o.value as varchar), '') || ':' || o.status, ';'
                order by o.indicator_code
            ), ''))
        from reported as o
    ) as data_version;
