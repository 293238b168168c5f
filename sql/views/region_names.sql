-- Every region code ever in force since 2010, under its last name, with a name that is unambiguous across the
-- country: a county carries its parent's name (沈阳市铁西区, 鞍山市铁西区), since county names repeat; provinces and
-- prefectures keep their own. A code still in force has today's name; one abolished, the name it ended with (青岛市
-- 即墨市 370282). A bulletin of a quarter names its regions as they were that day: regions_on(quarter_end(period)).
create or replace view region_names as
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
