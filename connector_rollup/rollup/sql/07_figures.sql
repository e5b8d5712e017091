-- The figures the roll-up publishes (counting-rules.md, last section), for
-- the nation and each community: the quarter, the same quarter a year
-- earlier, the fiscal year to date and the total since the program began.

create view rollup_figures as
with run as (
    select period, fiscal_year, year_earlier_period
    from stg_run
),

quarterly as (
    select 'national' as level, null::varchar as community_code, period, fiscal_year,
           connectees, connectors, jobs
    from national_quarterly
    union all
    select 'community' as level, community_code, period, fiscal_year,
           connectees, connectors, jobs
    from community_quarterly
),

long as (
    unpivot quarterly
    on connectees, connectors, jobs
    into name measure value people
),

figures as (
    select
        long.level,
        long.community_code,
        long.measure,
        sum(people) filter (where long.period = run.period)::bigint as this_quarter,
        coalesce(sum(people) filter (where long.period = run.year_earlier_period), 0)::bigint
            as year_earlier_quarter,
        sum(people) filter (where long.fiscal_year = run.fiscal_year)::bigint as fiscal_year_to_date,
        sum(people)::bigint as cumulative
    from long
    cross join run
    group by long.level, long.community_code, long.measure
)

select * from figures
order by level desc, community_code nulls first,
    case measure when 'connectees' then 1 when 'connectors' then 2 else 3 end;

comment on view rollup_figures is 'The published figures for the roll-up quarter: nationally (each person once) and per community (each person once in each community).';
comment on column rollup_figures.level is 'national or community.';
comment on column rollup_figures.community_code is 'The community; NULL for the national figures.';
comment on column rollup_figures.measure is 'connectees (onboarded), connectors (counted) or jobs (Connectees in a qualifying job).';
comment on column rollup_figures.this_quarter is 'People counted in the roll-up quarter.';
comment on column rollup_figures.year_earlier_quarter is 'People counted in the same quarter a year earlier (0 before the program''s first event).';
comment on column rollup_figures.fiscal_year_to_date is 'People counted from April 1 of the fiscal year through the roll-up quarter.';
comment on column rollup_figures.cumulative is 'People counted since the program began (2009) through the roll-up quarter.';
