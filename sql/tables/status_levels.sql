-- Progress statuses with their labels and the lowest pace each admits, from data/status.yaml.
create or replace table status_levels (
    status varchar primary key,
    label_zh varchar not null,
    label_en varchar not null,
    min_pace double,
    sort_order integer not null
);
