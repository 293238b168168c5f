-- Where each region's quarter stands in its sign-off: the state its last step left (a quarter with no step is
-- not_submitted, and has no row here), with that step's office, user, time and reason.
create or replace view approval_state as
select
    region_code,
    quarter,
    state,
    step,
    chain,
    action,
    office_code,
    level,
    acted_by,
    role,
    reason,
    overridden,
    data_version,
    acted_at
from approval_log
qualify row_number() over (partition by region_code, quarter order by log_id desc) = 1;
