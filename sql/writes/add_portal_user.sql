-- A new portal user (refused by the primary key when the name is taken).
insert into portal_users (
    user_name, role, region_code, password_hash, created_at, created_by, password_set_at
)
values ($user_name, $role, $region_code, $password_hash, $at, $created_by, $at)
returning user_name, role, region_code, created_at;
