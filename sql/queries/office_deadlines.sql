-- The day an office signs each of the quarters by (its level's 审核截止, macro signoff_due), for its reviewer page.
select
    q.quarter,
    signoff_due(q.quarter, r.level) as due_date
from (select unnest($quarters) as quarter) as q
cross join regions as r
where r.region_code = $office;
