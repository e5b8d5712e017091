-- The calendar the figures are laid on: every quarter from the program's
-- first event through the roll-up quarter, so that quarters in which nobody
-- counted still show, with zeros. Fiscal quarters start on the first day of
-- January, April, July and October, the same days as calendar quarters.

create view quarter_calendar as
with run as (
    select first_day as roll_up_first_day
    from stg_run
),

first_event as (
    select min(event_date) as first_event_date
    from stg_events
),

bounds as (
    select
        -- With no event yet, the calendar is the roll-up quarter alone.
        coalesce(date_trunc('quarter', first_event_date)::date, roll_up_first_day) as first_quarter_day,
        roll_up_first_day
    from run
    cross join first_event
),

quarter_starts as (
    select unnest(generate_series(first_quarter_day, roll_up_first_day, interval 3 month))::date as first_day
    from bounds
),

quarters as (
    select
        period_label(first_day) as period,
        fiscal_year_label(first_day) as fiscal_year,
        fiscal_quarter(first_day) as quarter,
        first_day,
        (first_day + interval 3 month - interval 1 day)::date as last_day
    from quarter_starts
)

select * from quarters
order by period;

comment on view quarter_calendar is 'Every fiscal quarter from the program''s first event through the roll-up quarter.';
comment on column quarter_calendar.period is 'Period label, e.g. 2024-25-Q4.';
comment on column quarter_calendar.fiscal_year is 'Fiscal year label, e.g. 2024-25 (April 2024 to March 2025).';
comment on column quarter_calendar.quarter is 'Fiscal quarter 1-4: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar.';
comment on column quarter_calendar.first_day is 'First day of the quarter.';
comment on column quarter_calendar.last_day is 'Last day of the quarter.';
