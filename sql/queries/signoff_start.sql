-- The quarter from which values are published only once signed off: the newest row (tables/signoff_begins.sql).
select quarter
from signoff_begins
order by set_at desc
limit 1;
