-- Version 3 keeps what the office was told of each finding: its indicator, fix and cell (ipwatch/explain.py).
-- Findings recorded before have no fix or cell; their indicator is their row's, where the row names one.
-- It also brings the portal's users and its event log (portal_users.sql, portal_events.sql): create_schema makes
-- those with every other table, so nothing older needs to move for them.
alter table validation_findings add column if not exists indicator_code varchar;
alter table validation_findings add column if not exists fix varchar;
alter table validation_findings add column if not exists cell varchar;

update validation_findings as f
set indicator_code = r.indicator_code
from submission_rows as r
where f.submission_id = r.submission_id and f.line = r.line;
