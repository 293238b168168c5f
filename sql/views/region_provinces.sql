-- Each region with its province: itself, its parent or its grandparent (a county under a prefecture). Peers a
-- rank is taken among are the regions of one level in one province (peer_scope province) or under one parent:
-- peer_ranks ranks so, stage_batch_history stages them and target_rank_moved re-ranks among them.
create or replace view region_provinces as
select
    r.region_code,
    r.level,
    r.parent_code,
    case
        when r.level = 'province' then r.region_code
        when parent.level = 'province' then parent.region_code
        else parent.parent_code
    end as province_code
from regions as r
left join regions as parent on r.parent_code = parent.region_code;
