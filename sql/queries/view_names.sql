-- The views of the warehouse the connection works in (a table made where an older ipwatch kept a view of the
-- same name must replace that view first).
select view_name
from duckdb_views()
where database_name = current_database() and schema_name = 'main' and not internal;
