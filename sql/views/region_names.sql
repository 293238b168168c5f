-- Every region with a name that is unambiguous across the country: a county carries its parent's name
-- (沈阳市铁西区, 鞍山市铁西区), since county names repeat; provinces and prefectures keep their own.
-- Bulletins key regions by code and print full_name.
create or replace view region_names as
select
    r.region_code,
    r.name,
    r.level,
    r.parent_code,
    case when r.level = 'county' and parent.name is not null then parent.name || r.name else r.name end
        as full_name
from regions as r
left join regions as parent on r.parent_code = parent.region_code;
