-- What happened in the portal, appended and never changed: every login (and failed or throttled one), upload,
-- audit decision and user change, with who, when and from where. Failed logins here are what throttling counts.
create sequence if not exists portal_event_ids start 1;
create table if not exists portal_events (
    event_id integer primary key default nextval('portal_event_ids'),
    happened_at timestamp not null,
    user_name varchar,
    action varchar not null,
    outcome varchar not null,
    detail varchar,
    client varchar
);
