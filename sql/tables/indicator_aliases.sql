-- Every name an office may use for an indicator: its Chinese name, its code, and each plan's own wording.
create or replace table indicator_aliases (
    alias varchar not null,
    indicator_code varchar not null,
    primary key (alias, indicator_code)
);
