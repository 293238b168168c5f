-- The day a quarter ends, the day whose regions and names its values and bulletins use
-- ('2017Q3' -> 2017-09-30, '2015Q4' -> 2015-12-31; ipwatch/domain/periods.last_day in Python).
create or replace macro quarter_end(period) as cast(
    make_date(cast(left(period, 4) as integer), 1, 1)
    + to_months(cast(right(period, 1) as integer) * 3) - interval 1 day as date
);
