-- Ids for $n new submissions, taken before they are registered together.
select cast(nextval('submission_ids') as integer) as submission_id
from range($n);
