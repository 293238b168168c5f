-- The auditors' decisions in force on an office's data ($offices: its own and those of the offices under it): on
-- the files they sent, and on the values of their regions whoever sent them (a city's file carries its districts'
-- rows: a district's calendar says 待更正 for such a value, reporting_calendar.sql, and its page must say which);
-- on one submission ($submission_id) or on some findings ($finding_ids), each null for all, as the office reads
-- them: which indicator of which region and quarter, what was decided and why, and whether a correction asked
-- for has arrived (the value was superseded).
-- A correction still awaited comes first, then the newest decision.
with decided as (
    select
        f.finding_id,
        f.submission_id,
        f.file_name,
        f.office_code,
        f.rule,
        f.line,
        f.value,
        f.region_code,
        f.period,
        f.indicator_code,
        f.decision,
        f.reason,
        f.decided_at,
        f.audit_status,
        f.superseded
    from findings as f
    where
        f.decision is not null
        and (
            $offices is null
            or f.office_code in (select unnest($offices))
            or f.region_code in (select unnest($offices))
        )
        and ($submission_id is null or f.submission_id = $submission_id)
        and ($finding_ids is null or f.finding_id in (select unnest($finding_ids)))
),

named as (
    select
        d.*,
        i.name_zh as indicator_name,
        coalesce(r.full_name, d.region_code) as region_name,
        d.decision = 'correct-requested' and d.audit_status = 'open' as awaiting_correction
    from decided as d
    left join indicators as i on d.indicator_code = i.indicator_code
    left join region_names as r on d.region_code = r.region_code
)

select * from named
order by awaiting_correction desc, decided_at desc, finding_id desc
limit 200;
