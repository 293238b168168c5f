-- Findings with what an auditor weighs them against: the submission and its office, the failing row as
-- submitted, the region's last accepted value of the indicator before that quarter, and the median of its
-- peers (the other regions of the same level under the same parent) for the same indicator and quarter.
-- $status ('open', 'closed') and $finding_id narrow the list; null means all. Open findings come first.
with chosen as (
    select *
    from findings
    where
        ($status is null or audit_status = $status)
        and ($finding_id is null or finding_id = $finding_id)
),

previous as (
    select
        c.finding_id,
        o.period,
        o.value
    from chosen as c
    inner join observations as o
        on
            c.region_code = o.region_code
            and c.indicator_code = o.indicator_code
            and c.period > o.period
    where o.value is not null
    qualify row_number() over (partition by c.finding_id order by o.period desc) = 1
),

peers as (
    select
        c.finding_id,
        median(o.value) as peer_median,
        count(*) as peer_count
    from chosen as c
    inner join regions as own on c.region_code = own.region_code
    inner join regions as peer
        on
            own.parent_code = peer.parent_code
            and own.level = peer.level
            and own.region_code <> peer.region_code
    inner join observations as o
        on
            peer.region_code = o.region_code
            and c.indicator_code = o.indicator_code
            and c.period = o.period
    where o.value is not null
    group by c.finding_id
)

select
    c.*,
    s.received_at,
    s.status as submission_status,
    office.name as office_name,
    region.name as region_name,
    i.name_zh as indicator_name,
    r.value as row_value,
    r.value_raw,
    r.unit,
    r.status as value_status,
    r.note,
    p.period as previous_period,
    p.value as previous_value,
    pe.peer_median,
    coalesce(pe.peer_count, 0) as peer_count
from chosen as c
inner join submissions as s on c.submission_id = s.submission_id
left join regions as office on c.office_code = office.region_code
left join regions as region on c.region_code = region.region_code
left join indicators as i on c.indicator_code = i.indicator_code
left join submission_rows as r on c.submission_id = r.submission_id and c.line = r.line
left join previous as p on c.finding_id = p.finding_id
left join peers as pe on c.finding_id = pe.finding_id
order by
    c.audit_status desc, c.office_code asc, c.rule asc, c.submission_id asc, c.line asc nulls last,
    c.finding_id asc;
