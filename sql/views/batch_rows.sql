-- The rows of each validation batch: what Great Expectations validates, one GX batch per batch_id.
create or replace view batch_rows as
select
    b.batch_id,
    r.*
from submission_rows as r
inner join validation_batches as b using (submission_id);
