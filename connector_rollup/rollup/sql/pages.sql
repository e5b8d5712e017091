-- The pages file: what only the reports read, beside the warehouse, never in it.
--
-- A community's own page names its workbooks by their files and quotes each
-- problem with the value the community typed (an ID may be an email or a phone
-- number). None of that may reach an analyst, so the warehouse build writes it
-- here, to a separate file readable by its owner only (warehouse.pages_path:
-- data/warehouse.duckdb.pages), staged and published with the warehouse. The
-- inputs arrive as the connection-local relations input_<name>
-- (summary.page_workbooks_frame, summary.page_problems_frame, and the
-- warehouse's own run). Empty strings are kept as they are: the pages quote
-- the problems exactly as validation reported them.

create table page_run (
    period varchar not null,
    content_hash varchar not null
);

insert into page_run
select
    period::varchar as period,
    content_hash::varchar as content_hash
from input_run;

comment on table page_run is 'Not for analysts (secretariat only). The roll-up this file goes with: the warehouse whose run_info has the same quarter and content_hash.';
comment on column page_run.period is 'The roll-up quarter, e.g. 2024-25-Q4.';
comment on column page_run.content_hash is 'run_info.content_hash of the warehouse built with this file.';


create table page_workbooks (
    file_name varchar not null,
    community_code varchar,
    period varchar check (period is null or regexp_full_match(period, '\d{4}-\d{2}-Q[1-4]')),
    sha256 varchar not null,
    submitted_on date,
    status varchar not null check (status in ('accepted', 'superseded', 'rejected')),
    language varchar,
    reason varchar,
    rows_read bigint,
    rows_rejected bigint
);

insert into page_workbooks
select
    file_name::varchar as file_name,
    nullif(trim(community_code), '') as community_code,
    nullif(trim(period), '') as period,
    lower(trim(sha256)) as sha256,
    submitted_on::date as submitted_on,
    trim(status) as status,
    language::varchar as language,
    reason::varchar as reason,
    rows_read::bigint as rows_read,
    rows_rejected::bigint as rows_rejected
from input_page_workbooks;

comment on table page_workbooks is 'Not for analysts (secretariat only). One row per workbook found, named by its file: the reports name each workbook so; the warehouse names it by content (submissions.file_name).';
comment on column page_workbooks.file_name is 'The file as the community named it, with its folder relative to the raw folder.';
comment on column page_workbooks.community_code is 'Community code from the Submission sheet; NULL when none could be read.';
comment on column page_workbooks.period is 'Reporting quarter from the Submission sheet; NULL when unreadable.';
comment on column page_workbooks.sha256 is 'SHA-256 of the workbook''s bytes: with status, its row in the warehouse''s submissions.';
comment on column page_workbooks.submitted_on is 'Submitted-on date from the Submission sheet.';
comment on column page_workbooks.status is 'accepted, superseded or rejected, as in the warehouse.';
comment on column page_workbooks.language is 'Language of the workbook: en or fr.';
comment on column page_workbooks.reason is 'Why the file was rejected or superseded, as validation worded it.';
comment on column page_workbooks.rows_read is 'Data rows read from the workbook.';
comment on column page_workbooks.rows_rejected is 'Data rows rejected because of a row error.';


create table page_problems (
    file_name varchar not null,
    position bigint not null,
    sheet varchar,
    "row" bigint,
    "column" varchar,
    cell varchar,
    severity varchar not null check (severity in ('error', 'warning')),
    code varchar not null,
    value varchar,
    message varchar,
    fix varchar,
    primary key (file_name, position)
);

insert into page_problems
select
    file_name::varchar as file_name,
    position::bigint as position,
    sheet::varchar as sheet,
    "row"::bigint as "row",
    "column"::varchar as "column",
    cell::varchar as cell,
    trim(severity) as severity,
    trim(code) as code,
    value::varchar as value,
    message::varchar as message,
    fix::varchar as fix
from input_page_problems;

comment on table page_problems is 'Not for analysts (secretariat only). Every problem of the workbooks in use (not superseded), as the community''s page quotes it: the value typed, unmasked, and the message quoting it.';
comment on column page_problems.file_name is 'The workbook, as page_workbooks.file_name.';
comment on column page_problems.position is 'Order of the problem among its workbook''s problems, as validation found them.';
comment on column page_problems.sheet is 'The sheet as the community named it; empty for a problem with the whole file.';
comment on column page_problems."row" is 'The row number as Excel shows it; NULL for a sheet or file problem.';
comment on column page_problems."column" is 'The column header as the community wrote it.';
comment on column page_problems.cell is 'The cell reference, e.g. C14.';
comment on column page_problems.severity is 'error or warning.';
comment on column page_problems.code is 'Short code of the kind of problem.';
comment on column page_problems.value is 'The value found, as typed (a name, an email, a phone number or an ID included).';
comment on column page_problems.message is 'The problem in the workbook''s language, quoting the value.';
comment on column page_problems.fix is 'How to fix it, in the workbook''s language.';
