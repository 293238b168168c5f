-- The values progress may use in an edition (region_values, ipwatch/bulletins/publication.py): of a quarter from
-- $signoff_from on, only a region's whose quarter is accepted (审定), its totals derived from the regions below it
-- and its ratios from their parts included: a region whose quarter is not accepted has no value of it at all.
select v.*
from region_values as v
where
    v.period < $signoff_from
    or exists (
        select 1 from approval_state as a
        where a.region_code = v.region_code and a.quarter = v.period and a.state = 'accepted'
    );
