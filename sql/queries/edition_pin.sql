-- The pin in force of a plan's page of an edition (tables/edition_pins.sql): its newest row.
select
    submission_mark,
    audit_mark,
    approval_mark,
    signoff_from,
    pinned_at as made_at
from edition_pins
where period = $period and plan_id = $plan_id
order by pinned_at desc
limit 1;
