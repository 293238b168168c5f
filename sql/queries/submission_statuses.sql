-- The status now of each submission in `verdicts`: 'received' until it is decided.
select
    s.submission_id,
    s.status
from submissions as s
inner join verdicts as v on s.submission_id = v.submission_id;
