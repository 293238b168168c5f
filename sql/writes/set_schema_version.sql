-- Record the schema version the warehouse now has.
delete from schema_version;
insert into schema_version values ($version);
