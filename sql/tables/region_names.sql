-- Every region code ever in force since 2010 (region_history), under its last name, with a name that is unambiguous
-- across the country: filled by ipwatch init from region_history (fill_region_names.sql), which changes only there.
-- A table, not a view: a portal's receipt named its regions through the view, which ranked every version of every
-- region each time (15 MB of DuckDB's memory a query; 40 receipts at once on deadline day took more than the 512MB
-- DuckDB is given, and spilled to disk).
create or replace table region_names (
    region_code varchar not null,
    name varchar not null,
    level varchar not null,
    parent_code varchar,
    full_name varchar not null
);
