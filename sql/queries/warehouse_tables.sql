-- The tables the warehouse holds, to tell a new warehouse from an old one.
select table_name
from information_schema.tables
where table_catalog = current_database();
