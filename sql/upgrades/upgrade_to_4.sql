-- Version 4: the registry's dated code changes (tables/region_history.sql, with the macros regions_on and
-- quarter_end), which bulletins name regions by. The table is made with the others and filled by `ipwatch init`
-- (or the next ingest, which initialises the reference tables); no data of an older warehouse changes.
select 4 as version;
