-- The latest submission of the same bytes by the same office, if any.
select
    submission_id,
    status,
    row_count
from submissions
where sha256 = $sha256 and office_code = $office_code and status <> 'duplicate'
order by submission_id desc
limit 1;
