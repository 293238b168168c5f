-- Each rule's outcome in each validation run: passed or not, and how many rows it found.
create table if not exists validation_rule_outcomes (
    run_id integer not null,
    rule varchar not null,
    severity varchar not null,
    success boolean not null,
    failing_rows integer not null,
    primary key (run_id, rule)
);
