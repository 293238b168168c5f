-- The submissions decided after submission id $after, oldest first: what a portal batch that stopped had decided
-- by then (ipwatch/portal/gather.py matches them to its uploads by bytes and office, so none is decided twice).
select
    submission_id,
    sha256,
    office_code,
    status
from submissions
where submission_id > $after and status <> 'received'
order by submission_id;
