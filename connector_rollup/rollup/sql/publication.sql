-- connector-rollup publish (connector_rollup/rollup/publication.py): the publications
-- store beside the warehouse, and what a publication reads from the warehouse.
-- Each statement is named by the "-- name:" line above it.

-- name: store_schema
-- The store, <warehouse>.publications: never rebuilt, only added to. Owner-only.
create table if not exists publications (
    publication_id bigint primary key,
    period varchar not null,
    published_at timestamp not null,
    published_by varchar not null,
    note varchar not null,
    run_id varchar not null
);
create table if not exists published_figures (
    publication_id bigint not null,
    scope varchar not null,
    figure_period varchar not null,
    connectees bigint not null,
    connectors bigint not null,
    jobs bigint not null
);
create table if not exists publication_submissions (
    publication_id bigint not null,
    community_code varchar not null,
    period varchar not null,
    sha256 varchar not null,
    submitted_on date,
    file_modified timestamp
);
create table if not exists publication_decisions (
    publication_id bigint not null,
    decision_key varchar not null
);
create table if not exists publication_withdrawn (
    publication_id bigint not null,
    community_code varchar not null,
    sheet varchar not null,
    record_key varchar not null
);
comment on table publications is 'Not for analysts as such (the warehouse shows them masked): every publication of a quarter''s figures.';
comment on table published_figures is 'The figures of each publication, as published.';
comment on table publication_submissions is 'The workbooks each publication''s figures rested on.';
comment on table publication_decisions is 'The Connector decisions (keyed hashes) in force at each publication.';
comment on table publication_withdrawn is 'The records (keyed hashes) already withdrawn at each publication.';

-- name: figures
-- The warehouse's figures for its roll-up quarter, as a publication freezes them: one row per
-- scope (national, then each community) and figure period (the quarter, its fiscal year to
-- date, cumulative).
with run as (
    select period, fiscal_year
    from stg_run
),

long as (
    select
        case when level = 'national' then 'national' else community_code end as scope,
        measure,
        coalesce(this_quarter, 0) as this_quarter,
        coalesce(fiscal_year_to_date, 0) as fiscal_year_to_date,
        coalesce(cumulative, 0) as cumulative
    from rollup_figures
),

by_period as (
    select scope, run.period as figure_period, 1 as ordinal, measure, this_quarter as people
    from long cross join run
    union all
    select scope, run.fiscal_year, 2, measure, fiscal_year_to_date
    from long cross join run
    union all
    select scope, 'cumulative', 3, measure, cumulative
    from long cross join run
)

select
    scope,
    figure_period,
    max(people) filter (where measure = 'connectees')::bigint as connectees,
    max(people) filter (where measure = 'connectors')::bigint as connectors,
    max(people) filter (where measure = 'jobs')::bigint as jobs
from by_period
group by scope, figure_period, ordinal
order by scope <> 'national', scope, ordinal;

-- name: run
select period, run_id from stg_run;

-- name: basis_submissions
select community_code, period, sha256, submitted_on, file_modified
from stg_basis_submissions
order by community_code, period;

-- name: basis_decisions
select decision_key from stg_basis_decisions order by decision_key;

-- name: withdrawn
select community_code, sheet, record_key from stg_withdrawn order by all;

-- name: revised_periods
select distinct period from revisions order by period;
