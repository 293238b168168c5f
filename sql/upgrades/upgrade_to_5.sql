-- Version 5: what a row says of itself, for the rules and the values in force (tables/submission_rows.sql):
-- * blank: a row with neither a value nor a 数据状态 is not reported in that file and leaves the value in
--   force as it is. Rows decided before stay as they were decided (null, read as not blank): their versions
--   are recorded already;
-- * rounding: on which side of the value held (ten places) the typed value lies; rows before were rounded
--   unseen (null: unknown);
-- * indicator_conflict: a 指标名称 naming another indicator than the row's 指标代码 (null before: not read).
alter table submission_rows add column if not exists rounding tinyint;
alter table submission_rows add column if not exists blank boolean;
alter table submission_rows add column if not exists indicator_conflict varchar;
-- And the sign-off of each region's quarter (tables/approval_log.sql, views/approval_state.sql), made with the
-- other tables: nothing of an older warehouse changes for it.
