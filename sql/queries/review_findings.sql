-- The open findings on a region's values in force for one quarter (values_under_audit), with what the rule said.
select
    f.finding_id,
    f.rule,
    f.severity,
    f.indicator_code,
    i.name_zh as indicator_name,
    f.value,
    f.message
from values_under_audit as v
inner join findings as f on v.finding_id = f.finding_id
left join indicators as i on f.indicator_code = i.indicator_code
where v.region_code = $region_code and v.period = $quarter
order by f.finding_id;
