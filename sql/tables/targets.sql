-- Every quantitative target of every plan. cumulative_basis: 'new' counts what was added since the base year
-- (新增), 'total' the running total (累计达). target_value is in the plan's own unit; target_value_std
-- (and baseline_value_std) are converted to the indicator's unit, which is what progress compares.
create or replace table targets (
    plan_id varchar not null,
    target_id varchar not null,
    indicator_code varchar not null,
    wording varchar not null,
    kind varchar not null,
    direction varchar not null check (direction in ('up', 'down')),
    comparison varchar not null,
    applies_to varchar not null,
    baseline_year integer,
    baseline_value double,
    target_year integer not null,
    target_value double,
    target_value_high double,
    relative_to_baseline double,
    cumulative_basis varchar,
    unit varchar,
    -- the unit the target is read in where the plan's unit names another measure (满意度 "90%" scored in 分)
    read_as varchar,
    -- annual kinds: which years bind (each: 每年, every year; average: 年均, the average growth since the base year;
    -- target_year: the target year's figure alone)
    per_year varchar check (per_year in ('each', 'average', 'target_year')),
    -- the target is a number of whole items (件, 家, 人): a strict comparison (超过 N) is first met at N + 1
    counts_whole boolean not null,
    baseline_value_std double,
    target_value_std double,
    attribute varchar,
    peer_scope varchar,
    source varchar not null,
    primary key (plan_id, target_id)
);
