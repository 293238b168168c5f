-- Every file ever received, accepted or not: nothing is lost. 'received' is a file whose
-- validation has not finished (a crashed run); the next run of the same file completes it.
create sequence if not exists submission_ids start 1;
create table if not exists submissions (
    submission_id integer primary key default nextval('submission_ids'),
    file_name varchar not null,
    sha256 varchar not null,
    office_code varchar not null,
    received_at timestamp not null,
    status varchar not null check (
        status in ('received', 'accepted', 'accepted_with_warnings', 'rejected', 'duplicate')
    ),
    row_count integer not null,
    stored_path varchar
);
