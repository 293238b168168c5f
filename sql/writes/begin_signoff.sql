-- From which quarter values are published only once signed off (tables/signoff_begins.sql); with $only_first, only
-- on a warehouse that has none yet (init).
insert into signoff_begins (quarter, set_by, set_at)
select
    $quarter,
    $set_by,
    $set_at
where not $only_first or not exists (select 1 from signoff_begins);
