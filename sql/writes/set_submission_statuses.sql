-- The verdict on each submission in `verdicts`, once validation has run.
update submissions as s set status = v.status
from verdicts as v
where s.submission_id = v.submission_id;
