-- What happened in the portal, appended and never changed: every login (and failed or throttled one), upload,
-- audit decision and user change, with who, when and from where. Failed logins here are what throttling counts.
-- Event ids come from counters.sql (portal_event_ids), as every other id: a DuckLake has no sequences. (Warehouses
-- made before that keep a sequence as the column's default, unused.)
create table if not exists portal_events (
    event_id integer primary key,
    happened_at timestamp not null,
    user_name varchar,
    action varchar not null,
    outcome varchar not null,
    detail varchar,
    client varchar
);
