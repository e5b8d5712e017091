-- Fiscal periods, written once. The program's fiscal year runs April to
-- March: fiscal year 2024-25 is 2024-04-01 to 2025-03-31, Q1 Apr-Jun,
-- Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar (shared/spec/submission-workbook.md).
-- Python's connector_rollup.periods.Period follows the same rules; the
-- warehouse tests check both agree across the April boundary.

create macro fiscal_start_year(day) as
    case when month(day) >= 4 then year(day) else year(day) - 1 end;

create macro fiscal_quarter(day) as
    -- April is month 4: (4 + 8) % 12 = 0, so Q1; January: (1 + 8) // 3 = 3, so Q4.
    (month(day) + 8) % 12 // 3 + 1;

create macro fiscal_year_label(day) as
    fiscal_start_year(day)::varchar
    || '-'
    || lpad(((fiscal_start_year(day) + 1) % 100)::varchar, 2, '0');

create macro period_label(day) as
    fiscal_year_label(day) || '-Q' || fiscal_quarter(day)::varchar;

comment on macro fiscal_start_year is
    'The calendar year in which the fiscal year holding the date begins (fiscal years start April 1).';
comment on macro fiscal_quarter is
    'The fiscal quarter (1-4) holding the date: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar.';
comment on macro fiscal_year_label is
    'The fiscal year label holding the date, e.g. 2024-25 for 2025-03-31.';
comment on macro period_label is
    'The canonical period label holding the date, e.g. 2024-25-Q4 for 2025-03-31.';
