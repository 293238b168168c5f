-- Version 5: the sign-off of each region's quarter (tables/approval_log.sql, views/approval_state.sql), made with
-- the other tables; no data of an older warehouse changes.
select 5 as version;
