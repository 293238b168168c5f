-- What each of the submissions in `ids` left blank where a value was in force: its blank rows (no value, no
-- 数据状态) that did not become versions, so that the value in force stayed. Its receipt lists them
-- (这些指标本次未填报，沿用已接收的数值).
select
    r.submission_id,
    r.line,
    r.region_code,
    r.period,
    r.indicator_code
from submission_rows as r
inner join ids as i on r.submission_id = i.submission_id
inner join submissions as s on r.submission_id = s.submission_id
where
    r.blank
    and s.status in ('accepted', 'accepted_with_warnings')
    and not exists (
        select 1 from observation_versions as v
        where v.submission_id = r.submission_id and v.line = r.line
    )
order by r.submission_id, r.line
