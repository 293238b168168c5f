-- China's administrative divisions (GB/T 2260), loaded from data/regions.csv by `ipwatch init`.
create or replace table regions (
    region_code varchar primary key,
    name varchar not null,
    level varchar not null check (level in ('province', 'prefecture', 'county')),
    parent_code varchar
);
