-- One step of a region's quarter's sign-off (ipwatch/approval.py checks it may be taken, in the same transaction).
insert into approval_log (
    log_id, region_code, quarter, action, office_code, level, acted_by, role, reason, overridden, data_version,
    state, step, chain, acted_at
)
values (
    $log_id, $region_code, $quarter, $action, $office_code, $level, $acted_by, $role, $reason, $overridden,
    $data_version, $state, $step, $chain, $acted_at
);
