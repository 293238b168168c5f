-- Numeric settings from data/validation.yaml (thresholds, the due day), for views that need them.
create or replace table settings (
    name varchar primary key,
    value double not null
);
