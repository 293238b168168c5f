-- Every version of every region code in force since 2010 (data/region_history.csv, loaded by ipwatch init): a code
-- with one name, level and parent, in force from valid_from (null: since before 2010) to the day before valid_to
-- (null: still in force). regions holds those still in force.
create or replace table region_history (
    region_code varchar not null,
    name varchar not null,
    level varchar not null check (level in ('province', 'prefecture', 'county')),
    parent_code varchar,
    valid_from date,
    valid_to date,
    check (valid_from < valid_to)
);
