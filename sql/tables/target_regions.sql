-- Which regions each target binds (ipwatch/domain/obligations.py, the one definition, loaded by ipwatch init): the
-- plan's own region, or each county-level region within it.
create or replace table target_regions (
    plan_id varchar not null,
    target_id varchar not null,
    region_code varchar not null,
    primary key (plan_id, target_id, region_code)
);
