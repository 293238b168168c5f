-- The newest decided submission, audit decision and sign-off step: what an edition made now would see
-- (tables/edition_pins.sql). A submission still being decided ('received') is not yet seen.
with decided as (
    select max(submission_id) as mark
    from submissions
    where status <> 'received'
)

select
    coalesce((select d.mark from decided as d), 0) as submission_mark,
    coalesce((select max(a.log_id) from audit_log as a), 0) as audit_mark,
    coalesce((select max(p.log_id) from approval_log as p), 0) as approval_mark;
