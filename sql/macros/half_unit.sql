-- Half a unit of the last decimal place a number is written to (19.27 -> 0.005, 1430 -> 0.5): how far the number
-- it was rounded from may lie. Read from the number as held (at most ten places, sql/tables/submission_rows.sql),
-- so 19.20 typed reads as 19.2, a slightly wider tolerance, never a narrower one.
create or replace macro half_unit(x) as 0.5 / pow(
    10, length(rtrim(split_part(cast(cast(x as decimal(38, 10)) as varchar), '.', 2), '0'))
);
