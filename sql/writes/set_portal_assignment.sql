-- A portal user's role and region, as an administrator assigns them; the user's next request runs under them.
update portal_users
set role = $role, region_code = $region_code
where user_name = $user_name
returning user_name, role, region_code;
