-- The first quarter whose values are published only once signed off (逐级审核): a bulletin shows a region's values
-- of that quarter or later only when its top office has accepted them (审定); earlier quarters were reported before
-- sign-off began and are published as they stand. Appended, never changed: the newest row is in force, and each
-- edition pins the one it was made under (edition_pins). `ipwatch init` sets the first quarter not yet due on a
-- warehouse without one; `ipwatch approval begin QUARTER` moves it.
create table if not exists signoff_begins (
    quarter varchar not null,
    set_by varchar not null,
    set_at timestamp not null
);
