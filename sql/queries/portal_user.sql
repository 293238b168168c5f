-- One portal user by name (every request's session check: the region's name is the portal's, views.full_name).
select
    user_name,
    role,
    region_code,
    password_hash,
    password_set_at
from portal_users
where user_name = $user_name;
