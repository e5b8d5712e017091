"""Several submissions: supersede, latest version wins, withdrawals restate history, roster vs incremental."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
from builders import connectee, connector, introduction, job, submission_rows, write_workbook

from connector_rollup.intake import history
from connector_rollup.intake.validate import validate_workbook
from connector_rollup.periods import Period
from connector_rollup.rollup import counting, identity

Q3, Q4 = "2024-25-Q3", "2024-25-Q4"
Q3_SENT, Q4_SENT = dt.date(2025, 1, 20), dt.date(2025, 4, 15)


def figures(paths, registry, through=Period(2024, 4), modified=None):  # noqa: B008 (Period is immutable)
    """The plain-function roll-up: national events per measure, by period label."""
    submissions = [validate_workbook(p, registry) for p in paths]
    checked = history.check(submissions, modified, through)
    submissions[:] = checked.submissions  # the callers look at statuses and issues
    effective = checked.effective
    hist = history.build_history(effective)
    people = identity.resolve_connectors(hist.connectors).people
    counts = counting.count(
        hist.connectees,
        hist.connectors,
        hist.introductions,
        hist.jobs,
        people[["community_code", "connector_id", "person_id"]],
        through.last_day,
    )
    national = counts.events[counts.events["scope"] == "national"]
    out = {}
    for measure, day in zip(national["measure"], national["event_date"]):
        label = Period.containing(pd.Timestamp(day).date()).label
        out[(measure, label)] = out.get((measure, label), 0) + 1
    return out, submissions, hist


def q3_rows():
    return dict(
        connectees=[connectee("E1"), connectee("E2")],
        connectors=[connector("C1")],
        introductions=[introduction("E1", "C1", **{"Introduction date": dt.date(2024, 11, 1)})],
        jobs=[job("E1", **{"Start date": dt.date(2024, 12, 1)})],
    )


def q4_new_rows():
    return dict(
        connectees=[connectee("E3")],
        connectors=[
            connector("C2", Email="c2@example.org", Phone="902-555-0777", **{"Last name": "Roy"})
        ],
        introductions=[
            introduction("E2", "C2", **{"Introduction date": dt.date(2025, 2, 1)}),
            introduction("E3", "C1", **{"Introduction date": dt.date(2025, 3, 1)}),
        ],
        jobs=[],
    )


def test_roster_resubmitted_whole_gives_the_same_figures_as_incremental(tmp_path, registry):
    q3 = write_workbook(
        tmp_path / "q3.xlsx",
        submission=submission_rows(quarter=Q3, submitted_on=Q3_SENT),
        **q3_rows(),
    )
    incremental = write_workbook(
        tmp_path / "q4-new.xlsx", submission=submission_rows(quarter=Q4), **q4_new_rows()
    )
    whole = {k: q3_rows()[k] + q4_new_rows()[k] for k in q3_rows()}
    roster = write_workbook(
        tmp_path / "q4-roster.xlsx", submission=submission_rows(quarter=Q4), **whole
    )

    by_increment, _, _ = figures([q3, incremental], registry)
    by_roster, _, _ = figures([q3, roster], registry)
    expected = {
        ("connectees", Q3): 1,
        ("connectees", Q4): 2,
        ("connectors", Q3): 1,
        ("connectors", Q4): 1,
        ("jobs", Q3): 1,
    }
    assert by_increment == expected
    assert by_roster == expected


def test_a_later_submission_for_the_same_quarter_supersedes_the_earlier_entirely(
    tmp_path, registry
):
    first = write_workbook(
        tmp_path / "first.xlsx",
        submission=submission_rows(quarter=Q3, submitted_on=Q3_SENT),
        **q3_rows(),
    )
    corrected = write_workbook(
        tmp_path / "corrected.xlsx",
        submission=submission_rows(quarter=Q3, submitted_on=Q3_SENT + dt.timedelta(days=5)),
        connectees=[connectee("E1")],
        connectors=[connector("C1")],
        introductions=[introduction("E1", "C1", **{"Introduction date": dt.date(2024, 10, 5)})],
    )
    result, submissions, hist = figures([corrected, first], registry, through=Period(2024, 3))
    statuses = {s.file_name: s.status for s in submissions}
    assert statuses == {"first.xlsx": "superseded", "corrected.xlsx": "accepted"}
    # Nothing of the replaced workbook is used: its E2 and its job are gone.
    assert sorted(hist.connectees["connectee_id"]) == ["E1"]
    assert result == {("connectees", Q3): 1, ("connectors", Q3): 1}


def test_same_submitted_on_the_later_modification_time_wins(tmp_path, registry):
    a = write_workbook(
        tmp_path / "a.xlsx",
        submission=submission_rows(quarter=Q3, submitted_on=Q3_SENT),
        **q3_rows(),
    )
    b = write_workbook(
        tmp_path / "b.xlsx",
        submission=submission_rows(quarter=Q3, submitted_on=Q3_SENT),
        connectees=[connectee("E9")],
        connectors=[connector("C1")],
        introductions=[],
    )
    os.utime(a, (2_000_000_000, 2_000_000_000))
    os.utime(b, (1_000_000_000, 1_000_000_000))
    subs = [validate_workbook(p, registry) for p in (a, b)]
    modified = {s.sha256: p.stat().st_mtime for s, p in zip(subs, (a, b))}
    checked = history.check(subs, modified)
    assert [s.file_name for s in checked.effective] == ["a.xlsx"]
    assert checked.submissions[1].status == "superseded"
    assert subs[1].status == "accepted"  # the input is not changed


def test_the_latest_quarter_version_of_a_record_is_used(tmp_path, registry):
    q3 = write_workbook(
        tmp_path / "q3.xlsx",
        submission=submission_rows(quarter=Q3, submitted_on=Q3_SENT),
        connectees=[connectee("E1", Accepted="No", **{"Intake meeting date": None})],
        connectors=[connector("C1")],
        introductions=[introduction("E1", "C1", **{"Introduction date": dt.date(2024, 11, 1)})],
    )
    q4 = write_workbook(
        tmp_path / "q4.xlsx",
        submission=submission_rows(quarter=Q4),
        connectees=[connectee("E1", **{"Intake meeting date": dt.date(2024, 10, 20)})],
        connectors=[],
        introductions=[],
    )
    result, _, hist = figures([q4, q3], registry)
    assert hist.connectees.loc[0, "source_period"] == Q4
    # Accepted in the Q4 version: onboarded at the Q3 introduction.
    assert result[("connectees", Q3)] == 1


def test_a_withdrawal_in_a_later_submission_restates_every_period(tmp_path, registry):
    q3 = write_workbook(
        tmp_path / "q3.xlsx",
        submission=submission_rows(quarter=Q3, submitted_on=Q3_SENT),
        **q3_rows(),
    )
    withdrawn = write_workbook(
        tmp_path / "q4.xlsx",
        submission=submission_rows(quarter=Q4),
        connectees=[connectee("E1", Withdrawn="Yes")],
        connectors=[connector("C1", Withdrawn="Yes")],
        introductions=[],
        jobs=[],
    )
    before, _, _ = figures([q3], registry, through=Period(2024, 3))
    after, _, _ = figures([q3, withdrawn], registry)
    assert before == {("connectees", Q3): 1, ("connectors", Q3): 1, ("jobs", Q3): 1}
    assert after == {}  # E1, C1 and E1's job leave Q3's figures too


def test_a_roll_up_ignores_submissions_for_later_quarters(tmp_path, registry):
    q3 = write_workbook(
        tmp_path / "q3.xlsx",
        submission=submission_rows(quarter=Q3, submitted_on=Q3_SENT),
        **q3_rows(),
    )
    q4 = write_workbook(
        tmp_path / "q4.xlsx",
        submission=submission_rows(quarter=Q4),
        connectees=[connectee("E1", Withdrawn="Yes")],
        connectors=[],
        introductions=[],
    )
    result, _, _ = figures([q3, q4], registry, through=Period(2024, 3))
    assert result[("connectees", Q3)] == 1


def test_an_id_defined_only_in_an_earlier_submission_resolves(tmp_path, registry):
    q3 = write_workbook(
        tmp_path / "q3.xlsx",
        submission=submission_rows(quarter=Q3, submitted_on=Q3_SENT),
        **q3_rows(),
    )
    q4 = write_workbook(
        tmp_path / "q4.xlsx",
        submission=submission_rows(quarter=Q4),
        connectees=[],
        connectors=[],
        introductions=[
            introduction("E2", "C1", **{"Introduction date": dt.date(2025, 1, 9)}),
            introduction("E2", "NOPE", **{"Introduction date": dt.date(2025, 1, 9)}),
        ],
    )
    result, submissions, hist = figures([q3, q4], registry)
    q4_issues = [(i.cell, i.code, i.severity) for i in submissions[1].errors]
    assert q4_issues == [("B3", "unknown_connector", "error")]
    assert len(hist.introductions) == 2  # E1-C1 from Q3 and E2-C1 from Q4
    assert result[("connectees", Q4)] == 1


def test_jobs_are_one_record_across_quarters_whatever_the_employer_case(tmp_path, registry):
    q3 = write_workbook(
        tmp_path / "q3.xlsx",
        submission=submission_rows(quarter=Q3, submitted_on=Q3_SENT),
        **q3_rows(),
    )
    q4 = write_workbook(
        tmp_path / "q4.xlsx",
        submission=submission_rows(quarter=Q4),
        connectees=[],
        connectors=[],
        introductions=[],
        jobs=[
            job(
                "E1",
                Employer="  CITY OF  halifax ",
                **{"Start date": dt.date(2024, 12, 1), "In field": "No"},
            )
        ],
    )
    result, _, hist = figures([q3, q4], registry)
    assert len(hist.jobs) == 1 and hist.jobs.loc[0, "source_period"] == Q4
    assert ("jobs", Q3) not in result  # the latest version says not in field


def test_raw_folder_files_read_and_not_read(tmp_path):
    """Every .xlsx at any depth is read; other spreadsheets are listed as not read; Excel lock files are neither."""
    from connector_rollup.intake import workbooks as intake

    for name in [
        "a.xlsx",
        "deep/er/B.XLSX",
        "~$a.xlsx",
        "old.xls",
        "deep/macro.xlsm",
        "export.csv",
        "notes.txt",
        "deep/~$old.xls",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert [p.relative_to(tmp_path).as_posix() for p in intake.find_workbooks(tmp_path)] == [
        "a.xlsx",
        "deep/er/B.XLSX",
    ]
    assert [p.relative_to(tmp_path).as_posix() for p in intake.find_not_read(tmp_path)] == [
        "deep/macro.xlsm",
        "export.csv",
        "old.xls",
    ]
