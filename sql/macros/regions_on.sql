-- The regions in force on a day, one row a code, each with its name and parent of that day, and its full name as
-- region_names gives it (青岛市即墨市 370282 on 2015-12-31, 青岛市即墨区 370215 from 2017-11-30).
create or replace macro regions_on(day) as table
    with in_force as (
        select *
        from region_history
        where
            (valid_from is null or valid_from <= day)
            and (valid_to is null or day < valid_to)
    )

    select
        r.region_code,
        r.name,
        r.level,
        r.parent_code,
        parent.parent_code as grandparent_code,
        case when r.level = 'county' and parent.name is not null then parent.name || r.name else r.name end
            as full_name
    from in_force as r
    left join in_force as parent on r.parent_code = parent.region_code;
