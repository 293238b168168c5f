-- Version 6: publication follows sign-off (tables/signoff_begins.sql) and editions pin what they were made from
-- (tables/edition_pins.sql), both made with the other tables. An older warehouse's sign-off begins with the first
-- quarter not yet due when it is upgraded (set by init, as for a new one): what it holds was reported before.
select 6 as version;
