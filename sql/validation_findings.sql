-- One row per failing cell found by a validation rule.
create table if not exists validation_findings (
    submission_id integer not null,
    rule varchar not null,
    severity varchar not null check (severity in ('error', 'warning')),
    line integer,
    "column" varchar,
    value varchar,
    message varchar not null,
    decision varchar
);
