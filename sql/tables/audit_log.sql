-- Every audit decision on a finding, appended and never changed: the latest row of a finding is in force,
-- the earlier ones are its history. ipwatch has no statement that updates or deletes a row of it.
create table if not exists audit_log (
    log_id integer primary key,
    finding_id integer not null,
    decision varchar not null check (decision in ('confirm', 'correct-requested', 'override')),
    reason varchar not null check (trim(reason) <> ''),
    decided_by varchar not null check (trim(decided_by) <> ''),
    decided_at timestamp not null
);
