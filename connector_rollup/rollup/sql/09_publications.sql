-- Publications and revisions (interfaces.md v2). The publications live in
-- their own durable store beside the warehouse (<warehouse>.publications,
-- written by connector_rollup.rollup.publication), which every build copies in
-- here as input_publication*: the warehouse is rebuilt by every run, the
-- store is not. `connector-rollup publish` runs this file again on a copy of
-- the published warehouse, so every object is created "or replace".

create or replace table stg_publications (
    publication_id bigint primary key,
    period varchar not null check (regexp_full_match(period, '\d{4}-\d{2}-Q[1-4]')),
    published_at timestamp not null,
    published_by varchar not null,
    note varchar not null,
    run_id varchar not null
);

insert into stg_publications
select
    publication_id::bigint,
    period::varchar,
    published_at::timestamp,
    published_by::varchar,
    coalesce(note, '')::varchar,
    run_id::varchar
from input_publications;

comment on table stg_publications is 'Staging: every publication, from the publications store beside the warehouse.';
comment on column stg_publications.publication_id is 'Number of the publication in the store, in the order they were made.';
comment on column stg_publications.period is 'The quarter published, e.g. 2024-25-Q4.';
comment on column stg_publications.published_at is 'When it was published (UTC).';
comment on column stg_publications.published_by is 'Who published it (the account, or the portal user); an email or phone number is masked.';
comment on column stg_publications.note is 'The note given when publishing; emails and phone numbers masked.';
comment on column stg_publications.run_id is 'The roll-up published: stg_run.run_id of the warehouse it was taken from.';


create or replace table stg_published_figures (
    publication_id bigint not null,
    scope varchar not null,
    figure_period varchar not null,
    connectees bigint not null,
    connectors bigint not null,
    jobs bigint not null
);

insert into stg_published_figures
select
    publication_id::bigint,
    scope::varchar,
    figure_period::varchar,
    connectees::bigint,
    connectors::bigint,
    jobs::bigint
from input_published_figures;

comment on table stg_published_figures is 'Staging: the figures of each publication, as published.';
comment on column stg_published_figures.publication_id is 'The publication (stg_publications).';
comment on column stg_published_figures.scope is 'national, or a community code.';
comment on column stg_published_figures.figure_period is 'The published quarter, its fiscal year (to date through the quarter) or cumulative (since 2009 through the quarter).';
comment on column stg_published_figures.connectees is 'Connectees onboarded.';
comment on column stg_published_figures.connectors is 'Connectors counted.';
comment on column stg_published_figures.jobs is 'Connectees in qualifying jobs.';


create or replace table stg_publication_submissions as
select
    publication_id::bigint as publication_id,
    community_code::varchar as community_code,
    period::varchar as period,
    sha256::varchar as sha256,
    submitted_on::date as submitted_on,
    file_modified::timestamp as file_modified
from input_publication_submissions;

comment on table stg_publication_submissions is 'Staging: the workbooks each publication''s figures rested on (stg_basis_submissions when it was published).';
comment on column stg_publication_submissions.publication_id is 'The publication.';
comment on column stg_publication_submissions.community_code is 'Community code.';
comment on column stg_publication_submissions.period is 'The workbook''s reporting quarter.';
comment on column stg_publication_submissions.sha256 is 'SHA-256 of the workbook''s bytes.';
comment on column stg_publication_submissions.submitted_on is 'Submitted-on date from the Submission sheet.';
comment on column stg_publication_submissions.file_modified is 'The file''s modification time (UTC) then.';


create or replace table stg_publication_decisions as
select
    publication_id::bigint as publication_id,
    decision_key::varchar as decision_key
from input_publication_decisions;

comment on table stg_publication_decisions is 'Staging: the Connector decisions in force when each publication was made (stg_basis_decisions then).';
comment on column stg_publication_decisions.publication_id is 'The publication.';
comment on column stg_publication_decisions.decision_key is 'The decision''s keyed hash, as in stg_basis_decisions.';


create or replace table stg_publication_withdrawn as
select
    publication_id::bigint as publication_id,
    community_code::varchar as community_code,
    sheet::varchar as sheet,
    record_key::varchar as record_key
from input_publication_withdrawn;

comment on table stg_publication_withdrawn is 'Staging: the records already withdrawn when each publication was made (stg_withdrawn then).';
comment on column stg_publication_withdrawn.publication_id is 'The publication.';
comment on column stg_publication_withdrawn.community_code is 'The record''s community.';
comment on column stg_publication_withdrawn.sheet is 'connectees, connectors or jobs.';
comment on column stg_publication_withdrawn.record_key is 'The record''s keyed hash, as in stg_withdrawn.';


create or replace view publications as
select
    period,
    published_at,
    published_by,
    note,
    run_id
from stg_publications
order by published_at, publication_id;

comment on view publications is 'One row per publication of a quarter''s figures (connector-rollup publish); a quarter published again after a revision has a row per publication.';
comment on column publications.period is 'The quarter published, e.g. 2024-25-Q4.';
comment on column publications.published_at is 'When it was published (UTC).';
comment on column publications.published_by is 'Who published it: the account that ran connector-rollup publish, or the portal user; an email or phone number is masked.';
comment on column publications.note is 'The note given when publishing (emails and phone numbers masked).';
comment on column publications.run_id is 'The roll-up whose figures were published (stg_run.run_id of its warehouse: the Prefect flow run id).';


create or replace view published_figures as
select
    stg_publications.period,
    stg_publications.published_at,
    stg_published_figures.scope,
    stg_published_figures.figure_period,
    stg_published_figures.connectees,
    stg_published_figures.connectors,
    stg_published_figures.jobs
from stg_published_figures
join stg_publications using (publication_id)
order by published_at, publication_id, scope <> 'national', scope,
    figure_period = 'cumulative', length(figure_period) desc;

comment on view published_figures is 'The figures exactly as published: for each publication, nationally and for every community, the quarter, its fiscal year to date and cumulative since 2009 through the quarter.';
comment on column published_figures.period is 'The quarter published.';
comment on column published_figures.published_at is 'When it was published (UTC): with period, names the publication.';
comment on column published_figures.scope is 'national (each person once nationally) or a community code (each person once in the community).';
comment on column published_figures.figure_period is 'The quarter itself (e.g. 2024-25-Q4), its fiscal year to date through the quarter (e.g. 2024-25), or cumulative (since 2009 through the quarter).';
comment on column published_figures.connectees is 'Connectees onboarded, as published.';
comment on column published_figures.connectors is 'Connectors counted, as published.';
comment on column published_figures.jobs is 'Connectees in qualifying jobs, as published.';


create or replace view revisions as
with run as (
    select period as run_period
    from stg_run
),

standing as (
    -- The latest publication of each quarter stands for it; a quarter this roll-up does not
    -- reach (published later than its quarter) cannot be compared.
    select stg_publications.*
    from stg_publications
    cross join run
    where stg_publications.period <= run.run_period
    qualify row_number() over (
        partition by stg_publications.period
        order by stg_publications.published_at desc, stg_publications.publication_id desc
    ) = 1
),

published as (
    select
        standing.publication_id,
        standing.period,
        standing.published_at,
        figures.scope,
        figures.figure_period,
        figures.connectees,
        figures.connectors,
        figures.jobs
    from stg_published_figures as figures
    join standing using (publication_id)
),

quarterly as (
    select 'national' as scope, period, fiscal_year, connectees, connectors, jobs
    from national_quarterly
    union all
    select community_code, period, fiscal_year, connectees, connectors, jobs
    from community_quarterly
),

now_given as (
    -- What this roll-up gives for each published figure: the same quarter, fiscal year to
    -- date through it, or everything through it (each person counts once, in one quarter).
    select
        published.publication_id,
        published.scope,
        published.figure_period,
        coalesce(sum(quarterly.connectees), 0)::bigint as connectees,
        coalesce(sum(quarterly.connectors), 0)::bigint as connectors,
        coalesce(sum(quarterly.jobs), 0)::bigint as jobs
    from published
    left join quarterly
        on quarterly.scope = published.scope
       and quarterly.period <= published.period
       and (
           published.figure_period = 'cumulative'
           or published.figure_period = quarterly.period
           or published.figure_period = quarterly.fiscal_year
       )
    group by all
),

published_long as (
    unpivot (select publication_id, period, published_at, scope, figure_period, connectees, connectors, jobs from published)
    on connectees, connectors, jobs
    into name figure value published
),

now_long as (
    unpivot now_given
    on connectees, connectors, jobs
    into name figure value current
),

moved as (
    select
        published_long.publication_id,
        published_long.period,
        published_long.published_at,
        published_long.scope,
        published_long.figure_period,
        published_long.figure,
        published_long.published::bigint as published,
        now_long.current::bigint as current
    from published_long
    join now_long using (publication_id, scope, figure_period, figure)
    where published_long.published <> now_long.current
),

-- Why: what changed since each standing publication, by community.
then_submissions as (
    select stg_publication_submissions.*
    from stg_publication_submissions
    join standing using (publication_id)
),

now_submissions as (
    select
        standing.publication_id,
        standing.period as published_period,
        standing.published_at,
        stg_basis_submissions.*
    from standing
    cross join stg_basis_submissions
),

workbook_changes as (
    select
        coalesce(now_submissions.publication_id, then_submissions.publication_id) as publication_id,
        coalesce(now_submissions.community_code, then_submissions.community_code) as community_code,
        coalesce(now_submissions.period, then_submissions.period) as workbook_period,
        case
            -- A later quarter's workbook was not counted then whenever it came: say "submitted
            -- after" only when its file is younger than the publication.
            when then_submissions.sha256 is null
                and (
                    now_submissions.period <= now_submissions.published_period
                    or now_submissions.file_modified > now_submissions.published_at
                )
                then 'was submitted after the publication'
            when then_submissions.sha256 is null then 'is counted since the publication'
            when now_submissions.sha256 is null then 'is no longer in use'
            else 'was replaced after the publication'
        end as what
    from now_submissions
    full join then_submissions
        on then_submissions.publication_id = now_submissions.publication_id
       and then_submissions.community_code = now_submissions.community_code
       and then_submissions.period = now_submissions.period
    where now_submissions.sha256 is distinct from then_submissions.sha256
),

withdrawn_since as (
    select standing.publication_id, stg_withdrawn.community_code, stg_withdrawn.sheet, count(*) as records
    from standing
    cross join stg_withdrawn
    where not exists (
        select 1 from stg_publication_withdrawn as then_withdrawn
        where then_withdrawn.publication_id = standing.publication_id
          and then_withdrawn.community_code = stg_withdrawn.community_code
          and then_withdrawn.sheet = stg_withdrawn.sheet
          and then_withdrawn.record_key = stg_withdrawn.record_key
    )
    group by all
),

community_reasons as (
    select publication_id, community_code, string_agg(reason, '; ' order by ordinal_group, ordinal) as reasons
    from (
        select
            publication_id,
            community_code,
            1 as ordinal_group,
            workbook_period as ordinal,
            community_code || '''s workbook for ' || workbook_period || ' ' || what as reason
        from workbook_changes
        union all
        select
            publication_id,
            community_code,
            2,
            '~',
            community_code || ': ' || sum(records)::varchar
            || case when sum(records) = 1 then ' record' else ' records' end
            || ' withdrawn since the publication ('
            || string_agg(
                records::varchar || ' ' || case
                    when sheet = 'connectees' then case when records = 1 then 'Connectee' else 'Connectees' end
                    when sheet = 'connectors' then case when records = 1 then 'Connector' else 'Connectors' end
                    else case when records = 1 then 'job' else 'jobs' end
                end,
                ', ' order by sheet
            ) || ')'
        from withdrawn_since
        group by publication_id, community_code
    )
    group by publication_id, community_code
),

decisions_since as (
    select
        standing.publication_id,
        (
            select count(*) from stg_basis_decisions
            where decision_key not in (
                select decision_key from stg_publication_decisions
                where stg_publication_decisions.publication_id = standing.publication_id
            )
        ) as taken,
        (
            select count(*) from stg_publication_decisions
            where stg_publication_decisions.publication_id = standing.publication_id
              and decision_key not in (select decision_key from stg_basis_decisions)
        ) as removed
    from standing
),

decision_reasons as (
    select
        publication_id,
        concat_ws(
            '; ',
            case when taken > 0 then taken::varchar || ' Connector '
                || case when taken = 1 then 'decision' else 'decisions' end
                || ' taken since the publication' end,
            case when removed > 0 then removed::varchar || ' Connector '
                || case when removed = 1 then 'decision' else 'decisions' end
                || ' removed since the publication' end
        ) as reasons
    from decisions_since
    where taken > 0 or removed > 0
),

reason_sources as (
    -- A community's figure: that community's changes. The national figure: the changes of
    -- the communities whose same figure moved too; when none did, the Connector decisions
    -- (for Connectors), else every community's changes.
    select moved.publication_id, moved.scope, moved.figure_period, moved.figure,
           community_reasons.community_code, community_reasons.reasons
    from moved
    join community_reasons
        on community_reasons.publication_id = moved.publication_id
       and (
           community_reasons.community_code = moved.scope
           or (
               moved.scope = 'national'
               and (
                   community_reasons.community_code in (
                       select also.scope from moved as also
                       where also.publication_id = moved.publication_id
                         and also.figure_period = moved.figure_period
                         and also.figure = moved.figure
                         and also.scope <> 'national'
                   )
                   or (
                       not exists (
                           select 1 from moved as also
                           where also.publication_id = moved.publication_id
                             and also.figure_period = moved.figure_period
                             and also.figure = moved.figure
                             and also.scope <> 'national'
                       )
                       -- a decision explains a national Connectors figure no community shares
                       and not (
                           moved.figure = 'connectors'
                           and moved.publication_id in (select publication_id from decision_reasons)
                       )
                   )
               )
           )
       )
),

explained as (
    select
        moved.*,
        nullif(concat_ws(
            '; ',
            (
                select string_agg(reason_sources.reasons, '; ' order by reason_sources.community_code)
                from reason_sources
                where reason_sources.publication_id = moved.publication_id
                  and reason_sources.scope = moved.scope
                  and reason_sources.figure_period = moved.figure_period
                  and reason_sources.figure = moved.figure
            ),
            -- Decisions join or part Connectors only.
            case when moved.figure = 'connectors' then decision_reasons.reasons end
        ), '') as named
    from moved
    left join decision_reasons using (publication_id)
)

select
    period,
    scope,
    figure_period,
    figure,
    published,
    current,
    current - published as change,
    coalesce(
        named,
        'none found in the workbooks, withdrawals or Connector decisions since the publication '
        || '(the registry or the program changed)'
    ) as reasons
from explained
order by period, scope <> 'national', scope, figure_period = 'cumulative',
    length(figure_period) desc,
    case figure when 'connectees' then 1 when 'connectors' then 2 else 3 end;

comment on view revisions is 'One row per published figure that this roll-up no longer gives, compared with the latest publication of each quarter up to the roll-up quarter, with the reasons it can name: workbooks submitted, replaced or no longer in use since (a later quarter''s workbook already there when the quarter was published "is counted since"), records withdrawn since, Connector decisions taken or removed since.';
comment on column revisions.period is 'The quarter published.';
comment on column revisions.scope is 'national or a community code.';
comment on column revisions.figure_period is 'The published quarter, its fiscal year (to date through the quarter) or cumulative.';
comment on column revisions.figure is 'connectees, connectors or jobs.';
comment on column revisions.published is 'The figure as published.';
comment on column revisions.current is 'The figure this roll-up gives for the same scope and period.';
comment on column revisions.change is 'current - published.';
comment on column revisions.reasons is 'Why it moved, as far as the roll-up can tell, separated by semicolons: for a national figure, the changes of the communities whose same figure moved.';
