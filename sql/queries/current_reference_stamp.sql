-- What the reference tables were last loaded from, and the schema version the warehouse records.
select
    (select max(stamp) from reference_stamp) as stamp,
    (select max(version) from schema_version) as version;
