-- One submission as the portal's receipt page needs it: who sent it, what became of it.
select
    submission_id,
    office_code,
    file_name,
    status,
    row_count,
    received_at
from submissions
where submission_id = $submission_id;
