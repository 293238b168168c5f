-- Every portal user, for the administrators' page and `ipwatch users list` (never the password hash).
select
    u.user_name,
    u.role,
    u.region_code,
    r.full_name as region_name,
    u.created_at,
    u.created_by,
    u.password_set_at
from portal_users as u
left join region_names as r on u.region_code = r.region_code
order by u.role, u.region_code, u.user_name;
