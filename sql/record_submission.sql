-- Register a received file; its id identifies the submission everywhere.
insert into submissions (file_name, sha256, office_code, received_at, status, row_count, stored_path)
values ($file_name, $sha256, $office_code, $received_at, $status, $row_count, $stored_path)
returning submission_id;
