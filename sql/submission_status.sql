-- A submission's status now: 'received' until it is decided.
select status
from submissions
where submission_id = $submission_id;
