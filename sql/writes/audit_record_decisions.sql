-- Append one decision on each of many findings ($finding_ids), a row each, as audit_record_decision.sql does for
-- one: a decision on many findings is still one row per finding in the log.
insert into audit_log (log_id, finding_id, decision, reason, decided_by, decided_at)
select
    unnest($log_ids) as log_id,
    unnest($finding_ids) as finding_id,
    $decision,
    $reason,
    $decided_by,
    $decided_at;
