-- The value progress uses for every region, indicator and quarter: the region's own accepted value; else, for an
-- additive indicator, the sum of its children (derived), only when every child has a value (else incomplete);
-- else, for a ratio, its numerator over its denominator, the denominator being the latest year-end value published
-- before the quarter (population: the end of the year before). Ratios are never averaged.
create or replace view region_values as
with submitted as (
    select
        region_code,
        indicator_code,
        period,
        cast(value as double) as value
    from observations
    where value is not null
),

additive as (
    select indicator_code
    from indicators
    where additive
),

child_counts as (
    select
        c.parent_code as region_code,
        count(*) as children,
        count(*) filter (where c.level = 'county') as county_children
    from regions as c
    where c.parent_code is not null
    group by c.parent_code
),

-- regions whose children are all counties (prefectures, municipalities), from their counties
first_sums as (
    select
        r.parent_code as region_code,
        o.indicator_code,
        o.period,
        sum(o.value) as value,
        count(*) as reported
    from submitted as o
    inner join regions as r using (region_code)
    inner join additive using (indicator_code)
    where r.level = 'county'
    group by r.parent_code, o.indicator_code, o.period
),

first_level as (
    select
        s.region_code,
        s.indicator_code,
        s.period,
        case when s.reported = c.children then s.value end as value,
        s.reported < c.children as incomplete
    from first_sums as s
    inner join child_counts as c using (region_code)
    where
        c.county_children = c.children
        and not exists (
            select 1 from submitted as own
            where
                own.region_code = s.region_code
                and own.indicator_code = s.indicator_code
                and own.period = s.period
        )
),

own_or_first as (
    select
        region_code,
        indicator_code,
        period,
        value,
        false as derived,
        false as incomplete
    from submitted
    union all
    select
        region_code,
        indicator_code,
        period,
        value,
        true as derived,
        incomplete
    from first_level
),

-- provinces from their prefectures (own or derived) and the counties they administer directly
second_sums as (
    select
        r.parent_code as region_code,
        v.indicator_code,
        v.period,
        sum(v.value) as value,
        count(v.value) as reported
    from own_or_first as v
    inner join regions as r using (region_code)
    inner join regions as parent on r.parent_code = parent.region_code
    inner join additive using (indicator_code)
    where parent.level = 'province'
    group by r.parent_code, v.indicator_code, v.period
),

second_level as (
    select
        s.region_code,
        s.indicator_code,
        s.period,
        case when s.reported = c.children then s.value end as value,
        s.reported < c.children as incomplete
    from second_sums as s
    inner join child_counts as c using (region_code)
    where
        c.county_children < c.children
        and not exists (
            select 1 from submitted as own
            where
                own.region_code = s.region_code
                and own.indicator_code = s.indicator_code
                and own.period = s.period
        )
),

summed as (
    select * from own_or_first
    union all
    select
        region_code,
        indicator_code,
        period,
        value,
        true as derived,
        incomplete
    from second_level
),

year_ends as (
    select
        *,
        cast(left(period, 4) as integer) as year
    from summed
    where right(period, 1) = '4'
),

-- a ratio a region did not submit: numerator / latest denominator published before the quarter * scale
ratios as (
    select
        num.region_code,
        i.indicator_code,
        num.period,
        num.value / nullif(den.value, 0) * coalesce(i.scale, 1) as value,
        true as derived,
        num.incomplete or den.incomplete as incomplete,
        den.period as denominator_period
    from indicators as i
    inner join summed as num on i.numerator = num.indicator_code
    asof inner join year_ends as den
        on
            num.region_code = den.region_code
            and i.denominator = den.indicator_code
            and cast(left(num.period, 4) as integer) > den.year
    where
        not exists (
            select 1 from summed as own
            where
                own.region_code = num.region_code and own.indicator_code = i.indicator_code
                and own.period = num.period
        )
)

select
    region_code,
    indicator_code,
    period,
    value,
    derived,
    incomplete,
    null as denominator_period
from summed
union all
select
    region_code,
    indicator_code,
    period,
    value,
    derived,
    incomplete,
    denominator_period
from ratios;
