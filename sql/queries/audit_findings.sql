-- Findings with what an auditor weighs them against, computed here once for the list, `audit show` and the
-- report alike (so they can never disagree): the submission and its office, the failing row as submitted, the
-- region's last accepted value of the indicator before that quarter, the median of its peers (the other regions
-- of the same level under the same parent) for the same indicator and quarter, and the change since the last
-- value against the peers' changes over the same quarters, with its modified z-score.
-- Filters (null: all): $status ('open', 'closed'), $finding_id, $office, $region (the region and every region
-- within it, its jurisdiction), $rule, $indicator (code or Chinese name), $period (a quarter, or a year for its
-- four), $severity; and $scope, an auditor's region: only findings whose audit_region is within its jurisdiction
-- (null: an auditor of every region). $first (null: all): only the first so many in the order (`place`), each with
-- `matching`, how many the filters match, as a page of the queue shows them: the context below is the costly part.
-- Open findings come first.
with picked as (
    select f.*
    from findings as f
    left join indicators as i on f.indicator_code = i.indicator_code
    where
        ($status is null or f.audit_status = $status)
        and ($finding_id is null or f.finding_id = $finding_id)
        and ($office is null or f.office_code = $office)
        and (
            $region is null or f.region_code in (
                select j.region_code from jurisdiction as j
                where j.office_code = $region
            )
        )
        and ($rule is null or f.rule = $rule)
        and ($indicator is null or f.indicator_code = $indicator or i.name_zh = $indicator)
        and ($period is null or f.period = $period or left(f.period, 4) = $period)
        and ($severity is null or f.severity = $severity)
        and (
            $scope is null or f.audit_region in (
                select j.region_code from jurisdiction as j
                where j.office_code = $scope
            )
        )
),

chosen as (
    select
        *,
        count(*) over () as matching,
        row_number() over (
            order by
                audit_status desc, office_code asc, rule asc, submission_id asc, line asc nulls last, finding_id asc
        ) as place
    from picked
    qualify $first is null or place <= $first
),

-- the regions and indicators the context reads: each chosen finding's region and its peers (the regions of its
-- level under the same parent), with the finding's indicator. Gathered into one list and unnested: DuckDB cannot
-- know how few findings are chosen ($first), estimated these pairs at millions, and built the join below on the
-- whole of observations instead (1.04 M values, 150 MB of its memory a page); an aggregate it estimates at one row.
wanted as (
    select unnest(pairs, recursive := true)
    from (
        select list(distinct { 'indicator_code': p.indicator_code, 'region_code': p.region_code }) as pairs
        from (
            select
                c.indicator_code,
                c.region_code
            from chosen as c
            union all
            select
                c.indicator_code,
                peer.region_code
            from chosen as c
            inner join regions as own on c.region_code = own.region_code
            inner join regions as peer on own.parent_code = peer.parent_code and own.level = peer.level
        ) as p
    ) as gathered
),

-- their values, read from observations in one pass: joined to the whole table three times, the queue of a
-- warehouse holding a national history took 0.5 s for 300 findings
context as materialized (
    select
        o.region_code,
        o.indicator_code,
        o.period,
        o.value
    from observations as o
    semi join wanted as w on o.region_code = w.region_code and o.indicator_code = w.indicator_code
),

-- the region's last accepted value before the finding's quarter
previous as (
    select
        c.finding_id,
        o.period,
        cast(o.value as double) as value
    from chosen as c
    inner join context as o
        on
            c.region_code = o.region_code
            and c.indicator_code = o.indicator_code
            and c.period > o.period
    where o.value is not null
    qualify row_number() over (partition by c.finding_id order by o.period desc) = 1
),

-- each peer's value in the finding's quarter and in the quarter of the region's last value
peer_values as (
    select
        c.finding_id,
        cast(now.value as double) as value,
        -- a change only between two positive values; said in the select, as a condition on `now` in the join
        -- below would make DuckDB compare every pair of rows (a nested-loop join: 1.6 s on a national quarter)
        case when now.value > 0 then ln(cast(now.value as double) / cast(before.value as double)) end as change
    from chosen as c
    inner join regions as own on c.region_code = own.region_code
    inner join regions as peer
        on
            own.parent_code = peer.parent_code
            and own.level = peer.level
            and own.region_code <> peer.region_code
    inner join context as now
        on
            peer.region_code = now.region_code
            and c.indicator_code = now.indicator_code
            and c.period = now.period
    left join previous as p on c.finding_id = p.finding_id
    left join context as before
        on
            peer.region_code = before.region_code
            and c.indicator_code = before.indicator_code
            and p.period = before.period
            and before.value > 0
    where now.value is not null
),

peers as (
    select
        finding_id,
        median(value) as peer_median,
        count(*) as peer_count,
        median(change) as peer_change
    from peer_values
    group by finding_id
),

spread as (
    select
        v.finding_id,
        median(abs(v.change - p.peer_change)) as change_mad
    from peer_values as v
    inner join peers as p on v.finding_id = p.finding_id
    group by v.finding_id
),

rows_under_audit as (
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
        coalesce(pe.peer_count, 0) as peer_count,
        -- changes as factors (x1.10), the z-score on their logarithms, as the change_outlier rule weighs them
        case when r.value > 0 and p.value > 0 then cast(r.value as double) / p.value end as change,
        exp(pe.peer_change) as peer_change,
        case
            when r.value > 0 and p.value > 0
                then
                    0.6745 * abs(ln(cast(r.value as double) / p.value) - pe.peer_change) / nullif(sp.change_mad, 0)
        end as z_score
    from chosen as c
    inner join submissions as s on c.submission_id = s.submission_id
    left join regions as office on c.office_code = office.region_code
    left join regions as region on c.region_code = region.region_code
    left join indicators as i on c.indicator_code = i.indicator_code
    left join submission_rows as r on c.submission_id = r.submission_id and c.line = r.line
    left join previous as p on c.finding_id = p.finding_id
    left join peers as pe on c.finding_id = pe.finding_id
    left join spread as sp on c.finding_id = sp.finding_id
)

select * from rows_under_audit
order by place;
