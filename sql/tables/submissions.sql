-- Every file ever received, accepted or not: nothing is lost. 'received' is a file whose
-- validation has not finished (a crashed run); the next run of the same file completes it.
create table if not exists submissions (
    submission_id integer primary key,
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

-- how the file was read: csv | xlsx-long | xlsx-form, its text encoding, the sheet, and the form's header block
-- and foot (填报单位; 单位负责人, 统计负责人, 填表人, 联系电话, 报出日期: the people answerable for its figures)
alter table submissions add column if not exists kind varchar;
alter table submissions add column if not exists encoding varchar;
alter table submissions add column if not exists sheet varchar;
alter table submissions add column if not exists column_letters varchar;
alter table submissions add column if not exists reporting_unit varchar;
alter table submissions add column if not exists reporter varchar;
alter table submissions add column if not exists phone varchar;
alter table submissions add column if not exists reported_on varchar;
alter table submissions add column if not exists unit_head varchar;
alter table submissions add column if not exists statistics_head varchar;
