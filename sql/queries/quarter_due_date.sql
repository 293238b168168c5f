-- The day a quarter's values are due (due_date.sql), for a bulletin's issue date.
select due_date($period) as due_date;
