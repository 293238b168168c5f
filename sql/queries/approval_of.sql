-- The state of one region's quarter (none: not submitted).
select
    state,
    step
from approval_state
where region_code = $region_code and quarter = $quarter;
