-- The values in force that wait for an audit: the current observation a still open finding is about (a warning
-- with no decision, or a correction requested and not yet received). Confirmed and overridden values count as
-- normal and are not listed; a superseded value is no longer in force.
create or replace view values_under_audit as
select
    o.region_code,
    o.period,
    o.indicator_code,
    f.finding_id,
    f.rule
from findings as f
inner join observations as o
    on
        f.region_code = o.region_code
        and f.period = o.period
        and f.indicator_code = o.indicator_code
        and f.submission_id = o.submission_id
where f.audit_status = 'open';
