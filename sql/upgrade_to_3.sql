-- Version 3 adds the portal's users and its event log (portal_users.sql, portal_events.sql); create_schema makes
-- them with every other table, so nothing older needs to move.
select 3 as version;
