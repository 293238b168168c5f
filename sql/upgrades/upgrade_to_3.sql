-- Version 3:
-- * keeps what the office was told of each finding: its indicator, fix and cell (ipwatch/intake/explain.py). Findings
--   recorded before have no fix or cell; their indicator is their row's, where the row names one;
-- * takes ids from the table counters (counters.sql, filled from the ids in use by seed_counters.sql), as a
--   DuckLake must. The columns stop drawing on the sequences used before, so an insert without an id fails rather
--   than take a stale one; the sequences themselves stay (DuckDB keeps a table depending on them);
-- * brings the portal's users and its event log (portal_users.sql, portal_events.sql), which create_schema makes
--   with every other table.
alter table validation_findings add column if not exists indicator_code varchar;
alter table validation_findings add column if not exists fix varchar;
alter table validation_findings add column if not exists cell varchar;

update validation_findings as f
set indicator_code = r.indicator_code
from submission_rows as r
where f.submission_id = r.submission_id and f.line = r.line;

alter table submissions alter column submission_id drop default;
alter table validation_findings alter column finding_id drop default;
alter table audit_log alter column log_id drop default;
alter table validation_runs alter column run_id drop default;
