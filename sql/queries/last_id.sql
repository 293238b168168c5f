-- The last id taken of kind $name.
select last_id
from counters
where name = $name;
