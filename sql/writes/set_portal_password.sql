-- A new password for a portal user; the sessions signed under the old one end with it.
update portal_users
set password_hash = $password_hash, password_set_at = $at
where user_name = $user_name
returning user_name;
