-- The values an edition may show (ipwatch/bulletins/publication.py), in current_observations' shape: each key's
-- newest version among the submissions up to $submission_mark ($fresh: that is every submission, and the values in
-- force are those); of a quarter from $signoff_from on, only where the region's quarter is accepted (审定), as
-- approval_state says (within the pin, of the steps up to its mark). With $approved_only false (an internal preview)
-- every value.
with kept as (
    select *
    from current_observations
    where $fresh
    union all by name
    select
        ov.* exclude (line),
        s.received_at
    from observation_versions as ov
    inner join submissions as s on ov.submission_id = s.submission_id
    where not $fresh and ov.submission_id <= $submission_mark
    qualify row_number() over (
        partition by ov.region_code, ov.period, ov.indicator_code
        order by s.received_at desc, ov.submission_id desc
    ) = 1
)

select k.*
from kept as k
where
    not $approved_only
    or k.period < $signoff_from
    or exists (
        select 1 from approval_state as a
        where a.region_code = k.region_code and a.quarter = k.period and a.state = 'accepted'
    );
