-- The rows of one validation batch, as Great Expectations puts them in place of a rule's `batch`: what a rule's
-- query reads when its failing rows are read again whole (ipwatch/intake/validate.py, batch_query).
select *
from batch_rows
where batch_id = $batch_id
