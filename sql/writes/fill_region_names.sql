-- Fill region_names (tables/region_names.sql) from region_history: each code under its last name, a county's
-- carrying its parent's name (沈阳市铁西区, 鞍山市铁西区), since county names repeat; provinces and prefectures keep
-- their own. A code still in force has today's name; one abolished, the name it ended with (青岛市即墨市 370282).
-- A bulletin of a quarter names its regions as they were that day: regions_on(quarter_end(period)).
insert into region_names
with last_version as (
    select *
    from region_history
    qualify row_number() over (partition by region_code order by valid_to desc nulls first) = 1
)

select
    r.region_code,
    r.name,
    r.level,
    r.parent_code,
    case when r.level = 'county' and parent.name is not null then parent.name || r.name else r.name end
        as full_name
from last_version as r
left join last_version as parent on r.parent_code = parent.region_code;
