-- The warehouse's schema version; `ipwatch init` upgrades an older warehouse step by step.
create table if not exists schema_version (
    version integer not null
);
