-- Community figures: each person counts once in each community they are part
-- of, so the communities' figures may add up to more than the national ones.

create view communities as
with run as (
    select period, last_day
    from stg_run
),

this_quarter_submissions as (
    -- The effective (accepted) workbook of each community for the roll-up quarter.
    select
        community_code,
        bool_or(tracks_jobs) as tracks_jobs
    from stg_submissions
    where status = 'accepted'
      and period = (select period from run)
    group by community_code
),

registry as (
    select
        stg_communities.code,
        stg_communities.name,
        stg_communities.province,
        stg_communities.joined_on,
        stg_communities.joined_on <= run.last_day as active,
        this_quarter_submissions.community_code is not null as submitted,
        this_quarter_submissions.tracks_jobs
    from stg_communities
    cross join run
    left join this_quarter_submissions
        on this_quarter_submissions.community_code = stg_communities.code
)

select * from registry
order by code;

comment on view communities is 'The registered communities and their standing for the roll-up quarter: joined, submitted, tracking jobs.';
comment on column communities.code is 'Community code, e.g. NS-HFX.';
comment on column communities.name is 'Display name of the community.';
comment on column communities.province is 'Two-letter province or territory code.';
comment on column communities.joined_on is 'When the community joined the national program.';
comment on column communities.active is 'True when the community had joined by the end of the roll-up quarter (expected to submit).';
comment on column communities.submitted is 'True when an accepted workbook for the roll-up quarter exists.';
comment on column communities.tracks_jobs is 'Tracks jobs answer of that workbook; NULL when the community did not submit for the quarter.';


create view community_quarterly as
with calendar as (
    select period, fiscal_year, quarter
    from quarter_calendar
),

community_events as (
    select
        community_code,
        measure,
        person_key,
        period_label(event_date) as period
    from stg_events
    where scope = 'community'
),

counts as (
    select
        community_code,
        period,
        count(distinct person_key) filter (where measure = 'connectees') as connectees,
        count(distinct person_key) filter (where measure = 'connectors') as connectors,
        count(distinct person_key) filter (where measure = 'jobs') as jobs
    from community_events
    group by community_code, period
),

grid as (
    select
        stg_communities.code as community_code,
        calendar.period,
        calendar.fiscal_year,
        calendar.quarter
    from stg_communities
    cross join calendar
),

zero_filled as (
    select
        grid.community_code,
        grid.period,
        grid.fiscal_year,
        grid.quarter,
        coalesce(counts.connectees, 0)::bigint as connectees,
        coalesce(counts.connectors, 0)::bigint as connectors,
        coalesce(counts.jobs, 0)::bigint as jobs
    from grid
    left join counts
        on counts.community_code = grid.community_code
       and counts.period = grid.period
)

select * from zero_filled
order by community_code, period;

comment on view community_quarterly is 'Each registered community''s figures by quarter, each person counted once in each community, from the program''s first event through the roll-up quarter; zeros included. Communities may add up to more than national_quarterly. Rules: counting-rules.md.';
comment on column community_quarterly.community_code is 'Community code, e.g. NS-HFX.';
comment on column community_quarterly.period is 'Period label, e.g. 2024-25-Q4.';
comment on column community_quarterly.fiscal_year is 'Fiscal year label, e.g. 2024-25 (April 2024 to March 2025).';
comment on column community_quarterly.quarter is 'Fiscal quarter 1-4: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar.';
comment on column community_quarterly.connectees is 'Connectees onboarded in the quarter in this community.';
comment on column community_quarterly.connectors is 'Connectors counted in the quarter in this community (at their first introduction in it).';
comment on column community_quarterly.jobs is 'Connectees of this community whose earliest qualifying job started in the quarter.';
