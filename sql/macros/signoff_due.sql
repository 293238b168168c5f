-- The day an office of `level` signs a region's quarter by (审核截止): the quarter's due date and the level's
-- `signoff_days_<level>` setting (data/validation.yaml: a city, level prefecture, by the 25th; a province ten
-- days later).
create or replace macro signoff_due(period, level) as due_date(period) + cast(coalesce((
    select value from settings
    where name = 'signoff_days_' || level
), 0) as integer);
