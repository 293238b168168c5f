-- Append one decision to the audit log (the log is never updated: a new decision is a new row).
insert into audit_log (log_id, finding_id, decision, reason, decided_by, decided_at)
values ($log_id, $finding_id, $decision, $reason, $decided_by, $decided_at)
returning log_id, finding_id, decision, reason, decided_by, decided_at;
