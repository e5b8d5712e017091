"""The roll-up flow end to end, under one session-scoped Prefect harness (few runs: each costs seconds)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from builders import connectee, connector, introduction, job, submission_rows, write_workbook


def _write_submissions(raw):
    """Two Halifax quarters, a Montréal quarter with a person known in Halifax, two broken files."""
    (raw / "a").mkdir(parents=True)
    (raw / "b").mkdir()
    write_workbook(
        raw / "a" / "hfx-q3.xlsx",
        submission=submission_rows(quarter="2024-25-Q3", submitted_on=dt.date(2025, 1, 20)),
        connectees=[connectee("E1"), connectee("E2", Email="moved@example.ca")],
        connectors=[
            connector("C1"),
            connector("C2", Email="bob@example.org", **{"Last name": "Jones"}),
        ],
        introductions=[
            introduction("E1", "C1", **{"Introduction date": dt.date(2024, 11, 1)}),
            introduction("E2", "C2", **{"Introduction date": dt.date(2024, 12, 1)}),
        ],
        jobs=[job("E1", **{"Start date": dt.date(2024, 12, 1)}), job("E2", **{"Job NOC": "65201"})],
    )
    write_workbook(
        raw / "b" / "hfx-q4.xlsx",
        submission=submission_rows(quarter="2024-25-Q4"),
        connectees=[connectee("E3", **{"Intake meeting date": dt.date(2025, 1, 5)})],
        connectors=[connector("C3", Phone="902-555-0111", **{"Last name": "Nguyen"})],
        introductions=[
            introduction("E3", "C1", **{"Introduction date": dt.date(2025, 2, 1)}),
            introduction("E3", "C9"),
        ],
    )
    write_workbook(
        raw / "b" / "mtl.xlsx",
        submission=submission_rows(community="QC-MTL", quarter="2024-25-Q4", lang="fr"),
        connectees=[connectee("M1", Email="moved@example.ca")],
        connectors=[
            connector(
                "K1", Email="BOB@example.org", **{"Last name": "Jones", "First name": "Robert"}
            )
        ],
        introductions=[introduction("M1", "K1", **{"Introduction date": dt.date(2025, 3, 1)})],
    )
    (raw / "broken.xlsx").write_text("a,b\n1,2\n")
    write_workbook(  # rejected, but its Submission sheet says whose it is
        raw / "a" / "hfx-no-intros.xlsx",
        submission=submission_rows(quarter="2024-25-Q4"),
        connectees=[connectee("E9")],
        connectors=[connector("C9")],
        drop_sheets=("introductions",),
    )
    (raw / "b" / "old-format.xls").write_bytes(
        b"\xd0\xcf\x11\xe0" + bytes(508)
    )  # not read: named in the summary


def _run(tmp, raw, name):
    from flows.rollup import rollup

    return rollup(
        quarter="2024-25-Q4",
        raw_dir=str(raw),
        clean_dir=str(tmp / name / "clean"),
        warehouse=str(tmp / name / "warehouse.duckdb"),
        reports_dir=str(tmp / name / "reports"),
    )


@pytest.fixture(scope="module")
def runs(prefect_harness, tmp_path_factory):
    """The same submissions rolled up three times: once, again unchanged, and renamed and moved."""
    tmp = tmp_path_factory.mktemp("rollup")
    raw = tmp / "raw"
    _write_submissions(raw)
    first = _run(tmp, raw, "first")
    shutil.copytree(
        first.national_report.parent, tmp / "first-reports"
    )  # the next run writes over them
    again = _run(tmp, raw, "first")
    moved = tmp / "moved"
    (moved / "deep" / "er").mkdir(parents=True)
    shutil.copy2(raw / "a" / "hfx-q3.xlsx", moved / "deep" / "er" / "zzz.xlsx")
    shutil.copy2(raw / "b" / "hfx-q4.xlsx", moved / "aaa.xlsx")
    shutil.copy2(raw / "b" / "mtl.xlsx", moved / "deep" / "0-first.xlsx")
    shutil.copy2(raw / "broken.xlsx", moved / "deep" / "other-name.xlsx")
    shutil.copy2(raw / "a" / "hfx-no-intros.xlsx", moved / "deep" / "er" / "sans intros.xlsx")
    (tmp / "renamed").mkdir()  # a decision naming a record that does not exist: named, not applied
    (tmp / "renamed" / "connector-decisions.csv").write_text(
        "record_a,record_b,decision,note\nNS-HFX:C1,NS-HFX:C404,same,\n", encoding="utf-8"
    )
    renamed = _run(tmp, moved, "renamed")
    return tmp, first, again, renamed


def test_flow_counts_reports_and_warehouse(runs):
    tmp, first, _, _ = runs
    assert first.workbooks == {
        "found": 5,
        "accepted": 3,
        "superseded": 0,
        "rejected": 2,
        "unchanged": 0,
    }
    assert first.not_read == [str(Path("b") / "old-format.xls")]
    assert (
        "Not read: 1 file(s) under the raw folder are not .xlsx workbooks: b/old-format.xls. "
        "Open each in Excel and save it as .xlsx to include it."
    ) in first.summary()
    # Q4: E3 onboards; M1 is E2 (same email), already counted nationally in Q3.
    # Connectors: C1, C2 in Q3; K1 is C2 (same email and last name): nobody new in Q4.
    assert first.headline == {"connectees": 1, "connectors": 0, "jobs": 0}
    with duckdb.connect(str(first.warehouse), read_only=True) as con:
        fy = con.execute(
            "select connectees, connectors, jobs from national_fiscal_year "
            "where fiscal_year = '2024-25'"
        ).fetchone()
        assert fy == (3, 2, 1)
        mtl = con.execute(
            "select connectees, connectors from community_quarterly "
            "where community_code = 'QC-MTL' and period = '2024-25-Q4'"
        ).fetchone()
        assert mtl == (1, 1)  # each community counts its own people
        statuses = dict(
            con.execute("select status, count(*) from submissions group by status").fetchall()
        )
        assert statuses == {"accepted": 3, "rejected": 2}
        unknown = con.execute(
            "select cell, severity from validation_issues where code = 'unknown_connector'"
        ).fetchall()
        assert unknown == [("B3", "error")]
    national = first.national_report.read_text(encoding="utf-8")
    assert "| Connectees onboarded | 1 |" in national
    assert (first.national_report.parent / "communities" / "NS-HFX.md").exists()
    assert (first.national_report.parent / "charts" / "figures_by_quarter.png").exists()
    assert "Name" not in (tmp / "first" / "connector-review.csv").read_text().splitlines()[0]


def test_artifacts_published_on_the_flow_run(runs):
    import asyncio

    from prefect.client.orchestration import get_client

    async def artifact_keys():
        async with get_client() as client:
            # The client's read_artifacts sends nulls this server refuses; ask the API directly.
            response = await client._client.post("/artifacts/filter", json={"limit": 100})
            return {a["key"] for a in response.json()}

    keys = asyncio.run(artifact_keys())
    assert {"national-report", "validation-summary"} <= keys


def test_rerun_with_unchanged_workbooks_reads_none_again(runs):
    _, first, again, _ = runs
    assert again.workbooks["unchanged"] == 5
    assert again.headline == first.headline


def _analyst_views(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        views = [
            v
            for (v,) in con.execute(
                "select view_name from duckdb_views() where not internal"
            ).fetchall()
        ]
        return {v: con.execute(f"select * from {v} order by all").fetchall() for v in sorted(views)}


def test_renamed_and_moved_files_change_only_the_names_in_the_reports(runs):
    """Every file renamed and moved into other folders: the same figures and warehouse; the reports name the new files."""
    _, first, _, renamed = runs
    assert renamed.headline == first.headline and renamed.workbooks == first.workbooks
    assert (first.ignored_decisions, renamed.ignored_decisions) == ([], ["NS-HFX:C1,NS-HFX:C404"])
    assert _analyst_views(renamed.warehouse) == _analyst_views(first.warehouse)
    before = first.national_report.parent / "communities" / "NS-HFX.md"
    after = renamed.national_report.parent / "communities" / "NS-HFX.md"
    before, after = before.read_text(encoding="utf-8"), after.read_text(encoding="utf-8")
    assert (
        "Your workbook b/hfx-q4.xlsx (2024-25-Q4, submitted on 15 April 2025) was received and used."
        in before
    )
    assert (
        "Your workbook aaa.xlsx (2024-25-Q4, submitted on 15 April 2025) was received and used."
        in after
    )
    assert "| 2024-25-Q3 | deep/er/zzz.xlsx | 20 January 2025 | accepted |" in after
    # the rejected workbook whose Submission sheet names Halifax is Halifax's, with its reason
    assert (
        "| 2024-25-Q4 | deep/er/sans intros.xlsx | 15 April 2025 | rejected | 0 | 0 | The workbook has no "
        "'Introductions' sheet, which is required: use the template, which has every sheet. |"
    ) in after
    assert (
        "### deep/er/sans intros.xlsx (2024-25-Q4, submitted on 15 April 2025)" in after
        and "None" not in after
    )
    national = renamed.national_report.read_text(encoding="utf-8")
    assert (
        "  - Halifax (NS-HFX): deep/er/sans intros.xlsx (2024-25-Q4, submitted on 15 April 2025) was rejected. The workbook "
        "has no 'Introductions' sheet, which is required: use the template, which has every sheet."
    ) in national
    assert (
        "- deep/other-name.xlsx (quarter unreadable): The file is not an Excel workbook" in national
    )
    # Only the names differ, and a re-run on the same files gives the same bytes.
    for page in (
        "national.md",
        "communities/NS-HFX.md",
        "communities/QC-MTL.md",
        "communities/ON-OTT.md",
    ):
        a = (first.national_report.parent / page).read_text(encoding="utf-8")
        b = (renamed.national_report.parent / page).read_text(encoding="utf-8")
        for old, new in (
            ("a/hfx-q3.xlsx", "deep/er/zzz.xlsx"),
            ("b/hfx-q4.xlsx", "aaa.xlsx"),
            ("b/mtl.xlsx", "deep/0-first.xlsx"),
            ("a/hfx-no-intros.xlsx", "deep/er/sans intros.xlsx"),
            ("broken.xlsx", "deep/other-name.xlsx"),
        ):
            a = a.replace(old, new)
        # Workbooks of the same quarter and date are listed by name, so only their order may change.
        assert sorted(a.splitlines()) == sorted(b.splitlines()), page
    charts = sorted((first.national_report.parent / "charts").iterdir())
    for chart in charts:
        assert (
            chart.read_bytes()
            == (renamed.national_report.parent / "charts" / chart.name).read_bytes()
        )


def test_a_rerun_on_the_same_files_gives_the_same_report_bytes(runs):
    tmp, _, again, _ = runs
    before, after = tmp / "first-reports", again.national_report.parent
    files = sorted(p.relative_to(before) for p in before.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(after) for p in after.rglob("*") if p.is_file())
    for name in files:
        assert (before / name).read_bytes() == (after / name).read_bytes(), name
    # Published as one swap: nothing staged is left beside the warehouse or the reports.
    hidden = [
        p.name
        for p in (*(tmp / "first").iterdir(), *(tmp / "first" / "reports").iterdir())
        if p.name.startswith(".")
    ]
    assert hidden == []


GOLDEN = Path(__file__).parent / "golden" / "national-2026-27-Q2.md"


def test_bundled_sample_national_report_matches_the_golden_copy(prefect_harness, tmp_path):
    """The bundled sample's national report, checked in: any change in output is a visible diff.

    After an intended change: UPDATE_GOLDEN=1 pytest tests/test_flow.py -k golden, and review the diff.
    """
    from flows.rollup import rollup
    from synthetic.sample import SAMPLE_QUARTER, write_sample

    write_sample(tmp_path / "raw")
    result = rollup(
        quarter=SAMPLE_QUARTER.label,
        raw_dir=str(tmp_path / "raw"),
        clean_dir=str(tmp_path / "clean"),
        warehouse=str(tmp_path / "warehouse.duckdb"),
        reports_dir=str(tmp_path / "reports"),
    )
    national = result.national_report.read_text(encoding="utf-8")
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(national, encoding="utf-8")
    assert national == GOLDEN.read_text(encoding="utf-8")
    # A community page's problem sections start with the roll-up quarter's workbook.
    page = (result.national_report.parent / "communities" / "QC-TR.md").read_text(encoding="utf-8")
    sections = [line for line in page.splitlines() if line.startswith("### ")]
    assert len(sections) > 1 and "(2026-27-Q2," in sections[0]
    assert all("(2026-27-Q2," not in line for line in sections[1:])
    assert result.workbooks == {
        "found": 177,
        "accepted": 173,
        "superseded": 1,
        "rejected": 3,
        "unchanged": 0,
    }


def test_a_rejected_workbook_takes_the_registered_community_its_submission_sheet_names(
    registry, tmp_path
):
    """Plain function, no Prefect: the name is the path under --raw; the community only if registered."""
    from connector_rollup.intake.workbooks import named
    from connector_rollup.submission import Issue, Submission

    def rejected():
        issue = Issue(
            "x.xlsx", "", None, "", "", "error", "missing_sheet", "", "No Introductions sheet."
        )
        return Submission(
            "x.xlsx", "0" * 64, "rejected", reason="No Introductions sheet.", issues=[issue]
        )

    raw = tmp_path / "raw"
    original = rejected()
    mine = named(original, raw / "Halifax" / "T4 v2.xlsx", raw, "NS-HFX", registry)
    assert (original.file_name, original.community_code) == ("x.xlsx", None)  # unchanged
    assert (mine.file_name, mine.community_code) == ("Halifax/T4 v2.xlsx", "NS-HFX")
    assert (mine.issues[0].file_name, mine.issues[0].community_code) == (
        "Halifax/T4 v2.xlsx",
        "NS-HFX",
    )
    unregistered = named(rejected(), raw / "barrie.xlsx", raw, "ON-BARR", registry)
    assert (unregistered.file_name, unregistered.community_code) == ("barrie.xlsx", None)
