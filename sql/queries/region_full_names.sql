-- Every region's unambiguous name (a county with its city's), for the portal's menus: read once a process.
select
    region_code,
    full_name
from region_names;
