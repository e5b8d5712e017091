-- Record-level views for analysts: the workbooks, their problems, the job
-- outcomes, the review list, the data-quality figures and the run itself.

create view submissions as
with source as (
    select
        community_code, period, file_name, sha256, submitted_on, status,
        rows_read, rows_rejected, reason
    from stg_submissions
)

select * from source
order by community_code nulls last, period nulls last, submitted_on nulls last, file_name;

comment on view submissions is 'One row per workbook found, with what became of it. Rules: submission-workbook.md (Several submissions, Errors).';
comment on column submissions.community_code is 'Community code from the Submission sheet, also of a rejected workbook whose sheet could be read; NULL when no registered community could be read from it.';
comment on column submissions.period is 'Reporting quarter from the Submission sheet; NULL when unreadable.';
comment on column submissions.file_name is 'The workbook named by its content, workbook and the first 8 hex digits of sha256: the same whatever the file is called or wherever it lies (the reports name the file itself).';
comment on column submissions.sha256 is 'SHA-256 of the workbook''s bytes (identifies the exact file).';
comment on column submissions.submitted_on is 'Submitted-on date from the Submission sheet.';
comment on column submissions.status is 'accepted (used), superseded (replaced by a later workbook for the same quarter) or rejected (file error, nothing used).';
comment on column submissions.rows_read is 'Data rows read from the workbook.';
comment on column submissions.rows_rejected is 'Data rows rejected because of a row error (the rest of the workbook is used).';
comment on column submissions.reason is 'Why the workbook was rejected or superseded; NULL when accepted.';


create view validation_issues as
with source as (
    select
        file_name, community_code, period, sheet, "row", "column", cell,
        severity, code, message
    from stg_issues
)

select * from source
order by file_name, sheet nulls first, "row" nulls first, cell, code;

comment on view validation_issues is 'One row per problem found in a workbook. The message quotes the value found, masked in name, email and phone columns, an ID replaced by its key. Rules: submission-workbook.md (Errors).';
comment on column validation_issues.file_name is 'The workbook holding the problem, named as in submissions.file_name.';
comment on column validation_issues.community_code is 'The workbook''s community; NULL when unreadable.';
comment on column validation_issues.period is 'The workbook''s reporting quarter; NULL when unreadable.';
comment on column validation_issues.sheet is 'The sheet holding the problem; NULL for a problem with the whole file.';
comment on column validation_issues."row" is 'The row number as Excel shows it; NULL for a sheet or file problem.';
comment on column validation_issues."column" is 'The column header as the community wrote it.';
comment on column validation_issues.cell is 'The cell reference, e.g. C14.';
comment on column validation_issues.severity is 'error (the row or file is rejected) or warning (used, but worth a look).';
comment on column validation_issues.code is 'Short code of the kind of problem.';
comment on column validation_issues.message is 'The problem in plain language. A value of a name, email or phone column is masked; an ID (connectee_id, connector_id) is replaced by its key, [key 3f2a9c0e1b2d4f5a]: HMAC-SHA256 of CODE:ID, for a Connectee the same as job_outcomes.person_key.';


create view job_outcomes as
with source as (
    select community_code, person_key, start_date, qualifies, reason
    from stg_job_outcomes
)

select * from source
order by community_code, person_key nulls last, start_date nulls last, qualifies, reason;

comment on view job_outcomes is 'One row per job record used, whether it qualifies and, if not, the first reason that applies. Rules: counting-rules.md (Jobs).';
comment on column job_outcomes.community_code is 'The community that reported the job.';
comment on column job_outcomes.person_key is 'Pseudonym of the Connectee in the community (HMAC-SHA256 of the internal person id, 16 hex digits); the same in every roll-up made with the same key.';
comment on column job_outcomes.start_date is 'Start date of the job.';
comment on column job_outcomes.qualifies is 'True when the job qualifies: in field, at the level of the experience held before coming.';
comment on column job_outcomes.reason is 'Why it does not qualify: withdrawn, connectee_not_onboarded, before_program, not_in_field, below_experience, noc_other_field or noc_lower_teer; NULL when it qualifies.';


create view review_list as
with source as (
    select record_a, record_b, reason, detail, decided
    from stg_review
)

select * from source
order by record_a, record_b;

comment on view review_list is 'Pairs of Connector records the matcher could not decide are or are not the same person, named by record keys. The secretariat decides them from its own file, connector-review.csv, which names the records. Rules: counting-rules.md (Who is the same Connector).';
comment on column review_list.record_a is 'First record''s key: its community code and a keyed pseudonym of its connector_id (HMAC-SHA256 of CODE:connector_id, 16 hex digits), e.g. NS-HFX:3f2a9c0e1b2d4f5a; never the ID itself, which may be an email or phone.';
comment on column review_list.record_b is 'Second record''s key, same form.';
comment on column review_list.reason is 'Why the pair is on the list.';
comment on column review_list.detail is 'What matched and what did not (no personal values; a blocking decision is named by record keys).';
comment on column review_list.decided is 'The decision recorded (e.g. same, different); NULL while pending.';


create view data_quality as
with source as (
    select metric, value
    from stg_quality
)

select * from source
order by metric;

comment on view data_quality is 'Plain data-quality figures of the roll-up: rows read and rejected (by code), withdrawals, Connector records merged, jobs excluded (by reason).';
comment on column data_quality.metric is 'Metric name; grouped figures are named group.item, e.g. jobs_excluded_by_reason.not_in_field.';
comment on column data_quality.value is 'The figure.';


create view run_info as
with source as (
    select period as quarter, fiscal_year, first_day, last_day, demo_key, content_hash
    from stg_run
)

select * from source;

comment on view run_info is 'The roll-up this warehouse holds: its quarter and a hash of its inputs (same hash, same figures).';
comment on column run_info.quarter is 'The roll-up quarter, e.g. 2024-25-Q4.';
comment on column run_info.fiscal_year is 'Its fiscal year, e.g. 2024-25.';
comment on column run_info.first_day is 'First day of the roll-up quarter.';
comment on column run_info.last_day is 'Last day of the roll-up quarter: nothing dated later counts.';
comment on column run_info.demo_key is 'True when person_key was made with the public demo key: pseudonyms are then not protected.';
comment on column run_info.content_hash is 'SHA-256 of the pseudonymised inputs.';
