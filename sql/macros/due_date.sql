-- The day a quarter's values are due: the `due_day` setting of the month after the quarter
-- ('2025Q3' -> 2025-10-15, '2025Q4' -> 2026-01-15).
create or replace macro due_date(period) as make_date(
    cast(left(period, 4) as integer) + case when right(period, 1) = '4' then 1 else 0 end,
    case when right(period, 1) = '4' then 1 else cast(right(period, 1) as integer) * 3 + 1 end,
    cast((
        select value from settings
        where name = 'due_day'
    ) as integer)
);
