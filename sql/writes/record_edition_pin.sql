-- What a plan's page of an edition is made from (tables/edition_pins.sql).
insert into edition_pins (
    period, plan_id, submission_mark, audit_mark, approval_mark, signoff_from, pinned_at
)
values ($period, $plan_id, $submission_mark, $audit_mark, $approval_mark, $signoff_from, $made_at);
