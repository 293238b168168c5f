-- Numeric settings for the views and rules that need them (ipwatch/warehouse/reference.py: the due day from
-- data/validation.yaml, the rules' thresholds from expectations/rules/, the plans' earliest year).
create or replace table settings (
    name varchar primary key,
    value double not null
);
