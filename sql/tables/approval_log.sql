-- Every step of the sign-off of a region's quarter (逐级审核: submit, approve, return, unapprove, accept), appended
-- and never changed: who took it (user, role, office and its level), on which region and quarter, why, the data
-- version it covered, and the state it left (ipwatch/domain/signoff.py: `state`, and `step`, the position in the
-- region's chain of the last signature in force). approval_state is its last row per region and quarter.
create table if not exists approval_log (
    log_id integer primary key,
    region_code varchar not null,
    quarter varchar not null,
    action varchar not null check (action in ('submit', 'approve', 'return', 'unapprove', 'accept')),
    office_code varchar not null,
    level varchar not null,
    acted_by varchar not null check (trim(acted_by) <> ''),
    role varchar not null,
    reason varchar,
    -- open findings the step was taken over, named in its reason (an override)
    overridden integer not null default 0,
    data_version varchar not null,
    state varchar not null check (state in ('submitted', 'approved', 'returned', 'accepted')),
    step integer not null,
    chain varchar[] not null,
    acted_at timestamp not null,
    check (action not in ('return', 'unapprove') or trim(coalesce(reason, '')) <> '')
);
