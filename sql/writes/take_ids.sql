-- Take $n ids of kind $name (see counters.sql); last_id.sql then reads the last of them.
update counters set last_id = last_id + $n
where name = $name;
