-- Version 3 takes ids from the table counters (counters.sql, filled from the ids in use by seed_counters.sql),
-- as a DuckLake must. The columns stop drawing on the sequences used before, so an insert without an id fails
-- rather than take a stale one; the sequences themselves stay (DuckDB keeps a table depending on them).
alter table submissions alter column submission_id drop default;
alter table validation_findings alter column finding_id drop default;
alter table audit_log alter column log_id drop default;
alter table validation_runs alter column run_id drop default;
