-- What each plan's page of an edition was made from, recorded when it is first made, so that it renders the same
-- bytes later whatever arrives after (a return and a correction of its quarter, a later decision): the newest
-- submission, audit decision and sign-off step it saw, and the quarter sign-off began (ipwatch/bulletins/
-- publication.py reads the warehouse as of these marks). Appended, never changed: `ipwatch bulletin --reissue` adds
-- a newer pin, and the newest row of a page is in force.
create table if not exists edition_pins (
    period varchar not null,
    plan_id varchar not null,
    submission_mark integer not null,
    audit_mark integer not null,
    approval_mark integer not null,
    signoff_from varchar not null,
    pinned_at timestamp not null
);
