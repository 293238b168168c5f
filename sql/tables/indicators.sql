-- One row per indicator concept, loaded from data/indicators.yaml.
create or replace table indicators (
    indicator_code varchar primary key,
    name_zh varchar not null,
    name_en varchar not null,
    category varchar not null,
    unit varchar not null,
    measure varchar not null,
    direction varchar not null check (direction in ('up', 'down')),
    min_value double,
    max_value double,
    numerator varchar,
    denominator varchar,
    scale double,
    additive boolean not null,
    -- quarterly, or annual: reported once a year, on the fourth quarter's form
    frequency varchar not null check (frequency in ('quarterly', 'annual'))
);
