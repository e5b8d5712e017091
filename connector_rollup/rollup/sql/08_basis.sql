-- What this roll-up's figures rest on, so that a publication can snapshot it
-- and a later roll-up can say why a published figure moved (09_publications.sql):
-- the effective workbooks, the Connector decisions in force, the records
-- withdrawn. Keyed by warehouse.py: no ID a community typed, no name.

create table stg_basis_submissions (
    community_code varchar not null,
    period varchar not null check (regexp_full_match(period, '\d{4}-\d{2}-Q[1-4]')),
    sha256 varchar not null,
    submitted_on date,
    file_modified timestamp
);

insert into stg_basis_submissions
select
    trim(community_code) as community_code,
    trim(period) as period,
    lower(trim(sha256)) as sha256,
    submitted_on::date as submitted_on,
    file_modified::timestamp as file_modified
from input_basis_submissions;

comment on table stg_basis_submissions is 'Staging: the workbooks this roll-up counted (accepted, up to its quarter), one per community and quarter; a publication keeps a copy.';
comment on column stg_basis_submissions.community_code is 'Community code, e.g. NS-HFX.';
comment on column stg_basis_submissions.period is 'The workbook''s reporting quarter, e.g. 2024-25-Q4.';
comment on column stg_basis_submissions.sha256 is 'SHA-256 of the workbook''s bytes.';
comment on column stg_basis_submissions.submitted_on is 'Submitted-on date from the Submission sheet.';
comment on column stg_basis_submissions.file_modified is 'The file''s modification time (UTC) when the roll-up read it: the tie-break between two workbooks of one quarter.';


create table stg_basis_decisions (
    decision_key varchar not null
);

insert into stg_basis_decisions
select distinct decision_key::varchar as decision_key
from input_basis_decisions;

comment on table stg_basis_decisions is 'Staging: the secretariat''s Connector decisions in force for this roll-up, one per decision, each as a keyed hash of its two records and its verdict.';
comment on column stg_basis_decisions.decision_key is 'HMAC-SHA256 (16 hex digits) of the pair of records, in order, and same or different: equal keys, the same decision.';


create table stg_withdrawn (
    community_code varchar not null,
    sheet varchar not null check (sheet in ('connectees', 'connectors', 'jobs')),
    record_key varchar not null
);

insert into stg_withdrawn
select distinct
    trim(community_code) as community_code,
    trim(sheet) as sheet,
    record_key::varchar as record_key
from input_withdrawn;

comment on table stg_withdrawn is 'Staging: the records marked withdrawn in their latest version (counting-rules.md: they leave every count), by keyed hash.';
comment on column stg_withdrawn.community_code is 'The record''s community.';
comment on column stg_withdrawn.sheet is 'connectees, connectors or jobs.';
comment on column stg_withdrawn.record_key is 'HMAC-SHA256 (16 hex digits) of the record''s identity (sheet, community, its ID; a job''s Connectee, employer and start date): never the ID itself.';
