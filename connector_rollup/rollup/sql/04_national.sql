-- National figures: each person counts once nationally (counting-rules.md),
-- in the quarter holding the date they count.

create view national_quarterly as
with calendar as (
    select period, fiscal_year, quarter
    from quarter_calendar
),

national_events as (
    select
        measure,
        person_key,
        period_label(event_date) as period
    from stg_events
    where scope = 'national'
),

counts as (
    select
        period,
        count(distinct person_key) filter (where measure = 'connectees') as connectees,
        count(distinct person_key) filter (where measure = 'connectors') as connectors,
        count(distinct person_key) filter (where measure = 'jobs') as jobs
    from national_events
    group by period
),

zero_filled as (
    select
        calendar.period,
        calendar.fiscal_year,
        calendar.quarter,
        coalesce(counts.connectees, 0)::bigint as connectees,
        coalesce(counts.connectors, 0)::bigint as connectors,
        coalesce(counts.jobs, 0)::bigint as jobs
    from calendar
    left join counts on counts.period = calendar.period
)

select * from zero_filled
order by period;

comment on view national_quarterly is 'National figures by quarter, each person counted once nationally, from the program''s first event through the roll-up quarter; quarters with no one counted show zeros. Rules: counting-rules.md.';
comment on column national_quarterly.period is 'Period label, e.g. 2024-25-Q4.';
comment on column national_quarterly.fiscal_year is 'Fiscal year label, e.g. 2024-25 (April 2024 to March 2025).';
comment on column national_quarterly.quarter is 'Fiscal quarter 1-4: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar.';
comment on column national_quarterly.connectees is 'Connectees onboarded in the quarter (date of the earliest valid introduction), each person once nationally.';
comment on column national_quarterly.connectors is 'Connectors counted in the quarter (date of their earliest introduction), each person once nationally, ever.';
comment on column national_quarterly.jobs is 'Connectees whose earliest qualifying job started in the quarter, each person once nationally.';


create view national_fiscal_year as
with fiscal_years as (
    select distinct fiscal_year
    from quarter_calendar
),

national_events as (
    select
        measure,
        person_key,
        fiscal_year_label(event_date) as fiscal_year
    from stg_events
    where scope = 'national'
),

counts as (
    select
        fiscal_year,
        count(distinct person_key) filter (where measure = 'connectees') as connectees,
        count(distinct person_key) filter (where measure = 'connectors') as connectors,
        count(distinct person_key) filter (where measure = 'jobs') as jobs
    from national_events
    group by fiscal_year
),

zero_filled as (
    select
        fiscal_years.fiscal_year,
        coalesce(counts.connectees, 0)::bigint as connectees,
        coalesce(counts.connectors, 0)::bigint as connectors,
        coalesce(counts.jobs, 0)::bigint as jobs
    from fiscal_years
    left join counts on counts.fiscal_year = fiscal_years.fiscal_year
)

select * from zero_filled
order by fiscal_year;

comment on view national_fiscal_year is 'National figures by fiscal year (April to March), each person counted once nationally; the roll-up quarter''s fiscal year is to date. Each figure is the sum of its quarters in national_quarterly (checked at build).';
comment on column national_fiscal_year.fiscal_year is 'Fiscal year label, e.g. 2024-25 (April 2024 to March 2025).';
comment on column national_fiscal_year.connectees is 'Connectees onboarded in the fiscal year, each person once nationally.';
comment on column national_fiscal_year.connectors is 'Connectors counted in the fiscal year, each person once nationally, ever.';
comment on column national_fiscal_year.jobs is 'Connectees whose earliest qualifying job started in the fiscal year, each person once nationally.';
