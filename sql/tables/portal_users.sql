-- Who may log in to the portal (ipwatch web): created only by an administrator or `ipwatch users add`.
-- role: office (submits for region_code and the regions under it), auditor (decides findings), admin (manages
-- users). password_hash is argon2id (argon2-cffi's encoded form: algorithm, parameters, salt and hash).
create table if not exists portal_users (
    user_name varchar primary key,
    role varchar not null check (role in ('office', 'auditor', 'admin')),
    region_code varchar,
    password_hash varchar not null,
    created_at timestamp not null,
    created_by varchar not null,
    password_set_at timestamp not null,
    check (role <> 'office' or region_code is not null)
);
