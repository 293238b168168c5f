-- What validation found in each submission, for auditors, with the decision in force and whether the finding
-- still waits for one. A finding is about the (region, period, indicator) of its row in the file
-- (submission_rows by submission and line); a summary finding (no line) is about none.
--
-- audit_status, in this order:
--   closed  a finding of a rejected file (errors and warnings alike): nothing of it was loaded, so nothing is
--           left to audit; the office's answer is a new file, which is validated on its own;
--   closed  the latest decision is confirm (the value stands as submitted) or override (it counts as normal);
--   closed  the value is no longer in force: a later accepted submission of the same key superseded it (with or
--           without a correction request); if the new value is flawed too, the new file has its own finding;
--   open    otherwise: a warning of an accepted file with no decision yet, or whose correction was requested
--           and has not arrived. A summary finding has no key to supersede: it closes only by a decision.
--
-- audit_region: the region whose auditors see and decide the finding: its row's region, or, for a summary finding
-- or a row naming no known region, the office that sent the file. An auditor with a region audits the findings whose
-- audit_region is within its jurisdiction.
create or replace view findings as
with latest_decisions as (
    select
        finding_id,
        decision,
        decided_by,
        decided_at,
        reason
    from audit_log
    qualify row_number() over (partition by finding_id order by log_id desc) = 1
),

audited as (
    select
        f.* exclude (indicator_code),
        s.file_name,
        s.office_code,
        s.status as submission_status,
        d.decision,
        d.decided_by,
        d.decided_at,
        d.reason,
        r.region_code,
        case
            when r.region_code in (select j.region_code from jurisdiction as j) then r.region_code
            else s.office_code
        end as audit_region,
        r.period,
        -- a summary finding (no row) names the indicator it is about itself (required_indicator_reported)
        coalesce(r.indicator_code, f.indicator_code) as indicator_code,
        -- false for a summary finding: it has no value to supersede. Asked with exists, not a left join to
        -- observations: DuckDB estimated that join at every value in force (1.04 M on a national warehouse for
        -- 161 findings), and a query reading findings then built its hash tables on the wrong side
        -- (audit_findings.sql: 200 MB of DuckDB's memory a page of the queue)
        s.status in ('accepted', 'accepted_with_warnings') and exists (
            select 1
            from observations as o
            where
                o.region_code = r.region_code
                and o.period = r.period
                and o.indicator_code = r.indicator_code
                and o.submission_id <> f.submission_id
        ) as superseded
    from validation_findings as f
    inner join submissions as s on f.submission_id = s.submission_id
    left join latest_decisions as d on f.finding_id = d.finding_id
    left join submission_rows as r on f.submission_id = r.submission_id and f.line = r.line
)

select
    finding_id,
    submission_id,
    rule,
    severity,
    line,
    "column",
    value,
    message,
    decision,
    file_name,
    office_code,
    decided_by,
    decided_at,
    reason,
    case
        when submission_status = 'rejected' or severity = 'error' then 'closed'
        when decision in ('confirm', 'override') then 'closed'
        when superseded then 'closed'
        else 'open'
    end as audit_status,
    region_code,
    period,
    indicator_code,
    coalesce(superseded, false) as superseded,
    audit_region
from audited;
