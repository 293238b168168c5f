-- The `decided` values (decided_values.sql) become the values in force, unless a newer submission's value for the
-- same key already is: the older values they replace go, then every decided value whose key is now free comes in.
-- A delete and an insert rather than INSERT ... ON CONFLICT, which needs a key a DuckLake cannot declare.
delete from current_observations as c
using decided as d
where
    c.region_code = d.region_code
    and c.period = d.period
    and c.indicator_code = d.indicator_code
    and (
        d.received_at > c.received_at
        or (d.received_at = c.received_at and d.submission_id > c.submission_id)
    );

insert into current_observations
select d.*
from decided as d
anti join current_observations using (region_code, period, indicator_code);
