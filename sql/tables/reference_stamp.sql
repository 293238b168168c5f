-- What the reference tables were last loaded from: a hash of the schema's SQL and of every reference row
-- (reference.stamp). A run whose catalogue, regions and schema are those already loaded reloads nothing.
create table if not exists reference_stamp (
    stamp varchar not null
);
