-- Staging: one table per input, typed and constrained, nothing else.
-- The inputs arrive as the connection-local relations input_<name>, already
-- pseudonymised by warehouse.py (person_id -> person_key, review records and
-- IDs quoted in messages -> their keys); no table here has a name, an email,
-- a phone number or an ID a community typed. Later files build the analysts' views
-- on these tables only.

-- The roll-up run: its quarter, and whether the demo key made the pseudonyms.
create table stg_run (
    period varchar not null,
    fiscal_year varchar not null,
    first_day date not null,
    last_day date not null,
    year_earlier_period varchar not null,
    demo_key boolean not null,
    content_hash varchar not null,
    run_id varchar not null,
    check (period = period_label(first_day) and period = period_label(last_day))
);

insert into stg_run
with source as (
    select * from input_run
),

typed as (
    select
        period::varchar as period,
        first_day::date as first_day,
        last_day::date as last_day,
        demo_key::boolean as demo_key,
        content_hash::varchar as content_hash,
        run_id::varchar as run_id
    from source
)

select
    period,
    fiscal_year_label(first_day) as fiscal_year,
    first_day,
    last_day,
    period_label((first_day - interval 12 month)::date) as year_earlier_period,
    demo_key,
    content_hash,
    run_id
from typed;

comment on table stg_run is 'Staging: the one roll-up run this warehouse holds (its quarter and how it was built).';
comment on column stg_run.period is 'The roll-up quarter, e.g. 2024-25-Q4.';
comment on column stg_run.fiscal_year is 'The fiscal year of the roll-up quarter, e.g. 2024-25.';
comment on column stg_run.first_day is 'First day of the roll-up quarter.';
comment on column stg_run.last_day is 'Last day of the roll-up quarter: nothing dated later counts.';
comment on column stg_run.year_earlier_period is 'The same quarter a year earlier, for the year-on-year change.';
comment on column stg_run.demo_key is 'True when person_key was made with the public demo key (not for real data).';
comment on column stg_run.content_hash is 'SHA-256 of the pseudonymised inputs: same hash, same figures.';
comment on column stg_run.run_id is 'The roll-up run that built this warehouse: its Prefect flow run id, or a random id for a build outside the flow.';


-- The communities of the registry.
create table stg_communities (
    code varchar primary key,
    name varchar not null,
    province varchar not null,
    joined_on date not null,
    language varchar not null check (language in ('en', 'fr')),
    eligible_categories varchar not null
);

insert into stg_communities
with source as (
    select * from input_communities
)

select
    trim(code) as code,
    trim(name) as name,
    trim(province) as province,
    joined_on::date as joined_on,
    trim(language) as language,
    trim(eligible_categories) as eligible_categories
from source;

comment on table stg_communities is 'Staging: the community registry, one row per registered community.';
comment on column stg_communities.code is 'Community code, e.g. NS-HFX.';
comment on column stg_communities.name is 'Display name of the community.';
comment on column stg_communities.province is 'Two-letter province or territory code.';
comment on column stg_communities.joined_on is 'When the community joined the national program.';
comment on column stg_communities.language is 'Language of the community''s page when none of its workbooks says: en or fr.';
comment on column stg_communities.eligible_categories is 'The Connectee categories the community serves, codes separated by semicolons (as in the registry).';


-- Person events from counting: the date each person counts, per measure and scope.
create table stg_events (
    measure varchar not null check (measure in ('connectees', 'connectors', 'jobs')),
    scope varchar not null check (scope in ('national', 'community')),
    community_code varchar check ((scope = 'community') = (community_code is not null)),
    person_key varchar not null,
    event_date date not null
);

insert into stg_events
with source as (
    select * from input_events
),

typed as (
    select
        trim(measure) as measure,
        trim(scope) as scope,
        -- A national event belongs to no community, whatever the input says.
        case when trim(scope) = 'community' then trim(community_code) end as community_code,
        person_key::varchar as person_key,
        event_date::date as event_date
    from source
),

in_roll_up as (
    -- counting-rules.md: a roll-up for quarter Q counts nothing dated after Q.
    select typed.*
    from typed
    where event_date <= (select last_day from stg_run)
)

select * from in_roll_up;

comment on table stg_events is 'Staging: one row per person per measure per scope (and community), dated when the person counts (counting-rules.md). Events after the roll-up quarter are left out.';
comment on column stg_events.measure is 'connectees (onboarded), connectors (counted) or jobs (Connectee in a qualifying job).';
comment on column stg_events.scope is 'national (each person once nationally) or community (once in each community).';
comment on column stg_events.community_code is 'The community for scope community; NULL for national events.';
comment on column stg_events.person_key is 'Pseudonym of the person: HMAC-SHA256 of the internal person id, 16 hex digits.';
comment on column stg_events.event_date is 'The date the person counts: earliest introduction, or start of the earliest qualifying job.';


-- Every job record used, with whether it qualifies and, if not, why.
create table stg_job_outcomes (
    community_code varchar not null,
    person_key varchar,
    start_date date,
    qualifies boolean not null,
    reason varchar check (
        (qualifies and reason is null)
        or (not qualifies and reason in (
            'withdrawn', 'connectee_not_onboarded', 'before_program', 'not_in_field',
            'below_experience', 'noc_other_field', 'noc_lower_teer'
        ))
    )
);

insert into stg_job_outcomes
with source as (
    select * from input_job_outcomes
)

select
    trim(community_code) as community_code,
    person_key::varchar as person_key,
    start_date::date as start_date,
    qualifies::boolean as qualifies,
    nullif(trim(reason), '') as reason
from source;

comment on table stg_job_outcomes is 'Staging: one row per job record used, with its outcome (counting-rules.md, Jobs).';
comment on column stg_job_outcomes.community_code is 'The community that reported the job.';
comment on column stg_job_outcomes.person_key is 'Pseudonym of the Connectee who took the job.';
comment on column stg_job_outcomes.start_date is 'Start date of the job.';
comment on column stg_job_outcomes.qualifies is 'True when the job counts: in field, at the level of prior experience.';
comment on column stg_job_outcomes.reason is 'For a job that does not qualify, the first reason that applies; NULL when it qualifies.';


-- Every workbook found, with what became of it.
create table stg_submissions (
    community_code varchar,
    period varchar check (period is null or regexp_full_match(period, '\d{4}-\d{2}-Q[1-4]')),
    file_name varchar not null,
    sha256 varchar not null,
    submitted_on date,
    status varchar not null check (status in ('accepted', 'superseded', 'rejected')),
    rows_read bigint,
    rows_rejected bigint,
    reason varchar,
    tracks_jobs boolean,
    language varchar check (language is null or language in ('en', 'fr'))
);

insert into stg_submissions
with source as (
    select * from input_submissions
)

select
    nullif(trim(community_code), '') as community_code,
    nullif(trim(period), '') as period,
    file_name::varchar as file_name,
    lower(trim(sha256)) as sha256,
    submitted_on::date as submitted_on,
    trim(status) as status,
    rows_read::bigint as rows_read,
    rows_rejected::bigint as rows_rejected,
    nullif(trim(reason), '') as reason,
    tracks_jobs::boolean as tracks_jobs,
    nullif(trim(language), '') as language
from source;

comment on table stg_submissions is 'Staging: one row per workbook found under the raw folder.';
comment on column stg_submissions.community_code is 'Community code from the Submission sheet; NULL when the file was rejected before it could be read.';
comment on column stg_submissions.period is 'Reporting quarter from the Submission sheet; NULL when unreadable.';
comment on column stg_submissions.file_name is 'The workbook named by its content (workbook and 8 hex digits of sha256), never by its file name.';
comment on column stg_submissions.sha256 is 'SHA-256 of the workbook''s bytes (identifies the exact file).';
comment on column stg_submissions.submitted_on is 'Submitted-on date from the Submission sheet.';
comment on column stg_submissions.status is 'accepted (used), superseded (replaced by a later file for the same quarter) or rejected (file error, nothing used).';
comment on column stg_submissions.rows_read is 'Data rows read from the workbook.';
comment on column stg_submissions.rows_rejected is 'Data rows rejected because of a row error.';
comment on column stg_submissions.reason is 'Why the file was rejected or superseded; NULL when accepted.';
comment on column stg_submissions.tracks_jobs is 'The Tracks jobs answer of the Submission sheet; NULL when unreadable.';
comment on column stg_submissions.language is 'Language of the workbook headers: en or fr.';


-- Every problem found in a workbook.
create table stg_issues (
    file_name varchar not null,
    community_code varchar,
    period varchar,
    sheet varchar,
    "row" bigint,
    "column" varchar,
    cell varchar,
    severity varchar not null check (severity in ('error', 'warning')),
    code varchar not null,
    message varchar not null
);

insert into stg_issues
with source as (
    select * from input_issues
)

select
    file_name::varchar as file_name,
    nullif(trim(community_code), '') as community_code,
    nullif(trim(period), '') as period,
    nullif(sheet, '') as sheet,
    "row"::bigint as "row",
    nullif("column", '') as "column",
    nullif(cell, '') as cell,
    trim(severity) as severity,
    trim(code) as code,
    message::varchar as message
from source;

comment on table stg_issues is 'Staging: one row per problem found in a workbook (errors and warnings).';
comment on column stg_issues.file_name is 'The workbook holding the problem.';
comment on column stg_issues.community_code is 'The workbook''s community; NULL when unreadable.';
comment on column stg_issues.period is 'The workbook''s reporting quarter; NULL when unreadable.';
comment on column stg_issues.sheet is 'The sheet holding the problem; NULL for a problem with the whole file.';
comment on column stg_issues."row" is 'The row number as Excel shows it; NULL for a sheet or file problem.';
comment on column stg_issues."column" is 'The column header as the community wrote it.';
comment on column stg_issues.cell is 'The cell reference, e.g. C14.';
comment on column stg_issues.severity is 'error (the row or file is rejected) or warning (used, but worth a look).';
comment on column stg_issues.code is 'Short code of the kind of problem.';
comment on column stg_issues.message is 'The problem in plain language; values of name, email and phone columns are masked, an ID is replaced by its key, [key 3f2a9c0e1b2d4f5a].';


-- Pairs of Connector records for the secretariat to look at (identity).
create table stg_review (
    record_a varchar not null,
    record_b varchar not null,
    reason varchar,
    detail varchar,
    decided varchar
);

insert into stg_review
with source as (
    select * from input_review
)

select
    record_a::varchar as record_a,
    record_b::varchar as record_b,
    nullif(trim(reason), '') as reason,
    nullif(trim(detail), '') as detail,
    nullif(trim(decided), '') as decided
from source;

comment on table stg_review is 'Staging: pairs of Connector records the matcher could not decide (counting-rules.md, Who is the same Connector).';
comment on column stg_review.record_a is 'First record''s key: its community code and a keyed pseudonym of its connector_id (HMAC-SHA256 of CODE:connector_id, 16 hex digits), e.g. NS-HFX:3f2a9c0e1b2d4f5a; never the ID itself.';
comment on column stg_review.record_b is 'Second record''s key, same form.';
comment on column stg_review.reason is 'Why the pair is on the list.';
comment on column stg_review.detail is 'What matched and what did not (field names and record keys, no personal values).';
comment on column stg_review.decided is 'The secretariat''s recorded decision as identity reports it (e.g. same, different); NULL while pending.';


-- Plain data-quality figures of the run.
create table stg_quality (
    metric varchar primary key,
    value bigint not null
);

insert into stg_quality
with source as (
    select * from input_quality
)

select
    metric::varchar as metric,
    value::bigint as value
from source;

comment on table stg_quality is 'Staging: the data-quality figures of the run, one per metric.';
comment on column stg_quality.metric is 'Metric name; grouped figures are named group.item, e.g. rows_rejected_by_code.required_blank.';
comment on column stg_quality.value is 'The figure.';
