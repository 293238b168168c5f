-- Make the rows of the submissions in `verdicts` that were not rejected observation versions (their values
-- become current).
insert into observation_versions
select
    r.submission_id,
    r.line,
    r.region_code,
    r.period,
    r.indicator_code,
    r.value,
    r.unit,
    r.status,
    r.note
from submission_rows as r
inner join verdicts as v on r.submission_id = v.submission_id
where v.status <> 'rejected';
