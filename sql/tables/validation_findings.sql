-- One row per failing cell found by a validation rule; finding_id is what auditors decide on (audit_log).
-- indicator_code, fix and cell are what the office was told (ipwatch/intake/explain.py), kept so that the same
-- file sent again is answered with the same report.
create table if not exists validation_findings (
    finding_id integer primary key,
    submission_id integer not null,
    rule varchar not null,
    severity varchar not null check (severity in ('error', 'warning')),
    line integer,
    "column" varchar,
    value varchar,
    message varchar not null,
    indicator_code varchar,
    fix varchar,
    cell varchar
);
