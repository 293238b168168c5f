-- Progress rows whose status, completion and comparison disagree (README, "Progress": one rule joins them), one
-- row per contradiction with what it breaks. Empty when every row holds: met iff completion >= 1; achieved iff
-- met and no 每年 year missed; a 每年 year missed is missed; no figure short of its target reads 100.0%; the
-- regions meeting a top-N target never outnumber its places, and a tie is met or not as a whole.
create or replace view judgement_contradictions as
with rows_judged as (
    select
        p.plan_id,
        p.target_id,
        p.region_code,
        p.period,
        p.kind,
        p.status,
        p.met,
        p.completion,
        p.rank,
        p.tied,
        p.places,
        coalesce(len(p.missed_years), 0) as years_missed,
        -- the peers a rank is among: the province (the code's first two digits) or the parent, at one level
        case when t.peer_scope = 'province' then left(p.region_code, 2) else r.parent_code end as peer_group,
        r.level
    from progress as p
    inner join targets as t using (plan_id, target_id)
    inner join regions as r on p.region_code = r.region_code
),

row_breaks as (
    select
        *,
        case
            when completion is not null and (completion >= 1) <> met then 'completion >= 1 disagrees with met'
            when (status = 'achieved') <> coalesce(met and years_missed = 0, false)
                then 'achieved disagrees with met and missed_years'
            when years_missed > 0 and status <> 'missed' then 'a 每年 year missed but not missed'
            when not met and round(completion * 100, 1) >= 100 then 'short of the target but reads 100.0%'
            when kind = 'rank' and met and rank + tied - 1 > places then 'a tie met beyond the places'
        end as broken
    from rows_judged
),

rank_breaks as (
    select
        plan_id,
        target_id,
        null as region_code,
        period,
        'more regions meet a top-N target than it has places' as broken
    from rows_judged
    where kind = 'rank'
    group by plan_id, target_id, period, peer_group, level, places
    having count(*) filter (where met) > places
)

select
    plan_id,
    target_id,
    region_code,
    period,
    broken
from row_breaks
where broken is not null
union all
select * from rank_breaks;
