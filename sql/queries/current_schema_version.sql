-- The schema version recorded in the warehouse.
select max(version) as version
from schema_version;
