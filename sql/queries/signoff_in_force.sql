-- Whether any value reported is of a quarter under sign-off (from $signoff_from on): if none, an edition shows what
-- the warehouse holds and nothing need stand in for it (ipwatch/bulletins/publication.py).
select coalesce(max(period) >= $signoff_from, false) as in_force
from observation_versions;
