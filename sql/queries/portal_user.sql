-- One portal user by name, with the name of the region of an office.
select
    u.user_name,
    u.role,
    u.region_code,
    r.full_name as region_name,
    u.password_hash,
    u.password_set_at
from portal_users as u
left join region_names as r on u.region_code = r.region_code
where u.user_name = $user_name;
