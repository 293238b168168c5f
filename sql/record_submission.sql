-- Register a received file; its id identifies the submission everywhere.
insert into submissions (
    file_name, sha256, office_code, received_at, status, row_count, stored_path, kind, encoding, sheet,
    column_letters, reporting_unit, reporter, phone, reported_on
)
values (
    $file_name, $sha256, $office_code, $received_at, $status, $row_count, $stored_path, $kind, $encoding, $sheet,
    $column_letters, $reporting_unit, $reporter, $phone, $reported_on
)
returning submission_id;
