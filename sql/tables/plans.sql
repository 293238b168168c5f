-- One row per plan, loaded from data/plans/*.yaml.
create or replace table plans (
    plan_id varchar primary key,
    title varchar not null,
    issuer varchar not null,
    document_number varchar,
    region_code varchar not null,
    period_start integer not null,
    period_end integer not null,
    applies_to varchar not null,
    seed varchar not null,
    key_targets varchar[],
    -- the office that issues the plan's bulletins (进度通报), when the plan names one
    bulletin_office varchar
);
