"""Publication and revisions: given a published quarter and later changes, expect exactly the figures that moved.

Given the roll-up of 2024-25-Q4 published, then a late workbook for the
quarter before (Ottawa), a Connectee withdrawn in the next quarter's workbook
(Halifax) and a Connector decision joining two records, rolled up for
2025-26-Q1 as the flow does (without Prefect): expect ``revisions`` to list
each published figure that moved, by how much and why; expect the national
report to show them; expect the publications to survive the rebuild; expect
``publish`` to refuse, in one sentence with exit status 2, a warehouse that
holds no roll-up of the quarter.
"""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from connector_rollup.cli import main
from connector_rollup.intake import clean, history
from connector_rollup.intake import workbooks as intake
from connector_rollup.periods import Period
from connector_rollup.registry import load_registry
from connector_rollup.rollup import counting, identity, report, summary
from connector_rollup.rollup.identity import Decision
from connector_rollup.rollup.publication import (
    NoRollupError,
    publish,
    revised_periods,
    store_path,
)
from connector_rollup.rollup.warehouse import build_warehouse
from tests.builders import connectee, connector, introduction, job, submission_rows, write_workbook

KEY = b"publication-test-key"
Q3, Q4, NEXT = Period.parse("2024-25-Q3"), Period.parse("2024-25-Q4"), Period.parse("2025-26-Q1")
KIM = {
    "First name": "Kim",
    "Last name": "Lee",
    "Phone": "613-555-0142",
    "Organization": "Ottawa Works",
}


def hfx(raw: Path, quarter: Period, submitted: dt.date, *, e2_withdrawn: str = "No") -> Path:
    """Halifax: E1 and E2 introduced to C1 in 2024-25-Q4, E1 in a qualifying job."""
    return write_workbook(
        raw / f"hfx-{quarter.label}.xlsx",
        submission=submission_rows(
            community="NS-HFX", quarter=quarter.label, submitted_on=submitted
        ),
        connectees=[connectee("E1"), connectee("E2", Withdrawn=e2_withdrawn)],
        connectors=[connector("C1")],
        introductions=[
            introduction("E1", "C1", **{"Introduction date": dt.date(2025, 1, 15)}),
            introduction("E2", "C1", **{"Introduction date": dt.date(2025, 2, 10)}),
        ],
        jobs=[job("E1", **{"Start date": dt.date(2025, 3, 1)})],
    )


def ott_q4(raw: Path) -> Path:
    """Ottawa, 2024-25-Q4: O1 introduced to K1 in March 2025."""
    return write_workbook(
        raw / "ott-q4.xlsx",
        submission=submission_rows(
            community="ON-OTT", quarter=Q4.label, submitted_on=dt.date(2025, 4, 8)
        ),
        connectees=[connectee("O1")],
        connectors=[connector("K1", **KIM)],
        introductions=[introduction("O1", "K1", **{"Introduction date": dt.date(2025, 3, 5)})],
        jobs=[],
    )


def ott_q3_late(raw: Path) -> Path:
    """Ottawa's workbook for 2024-25-Q3, sent after the publication: two more Connectees, K1 earlier."""
    return write_workbook(
        raw / "ott-q3-late.xlsx",
        submission=submission_rows(
            community="ON-OTT", quarter=Q3.label, submitted_on=dt.date(2025, 5, 2)
        ),
        connectees=[connectee("O2"), connectee("O3")],
        connectors=[connector("K1", **KIM)],
        introductions=[
            introduction("O2", "K1", **{"Introduction date": dt.date(2024, 11, 20)}),
            introduction("O3", "K1", **{"Introduction date": dt.date(2024, 12, 2)}),
        ],
        jobs=[],
    )


def roll_up(raw: Path, warehouse: Path, quarter: Period, decisions=()) -> None:
    """The flow's steps, in its order, without Prefect (flows/rollup.py), reports beside the warehouse."""
    registry = load_registry()
    fingerprint = clean.registry_fingerprint(registry)
    paths = intake.find_workbooks(raw)
    clean_dir = warehouse.parent / "clean"
    found = [s for s, _ in intake.intake_workbooks(paths, registry, clean_dir, fingerprint)]
    modified = {s.sha256: p.stat().st_mtime for s, p in zip(found, paths, strict=True)}
    checked = history.check(found, modified, quarter)
    hist = history.build_history(checked.effective)
    idres = identity.resolve_connectors(hist.connectors, list(decisions))
    counts = counting.count(
        hist.connectees,
        hist.connectors,
        hist.introductions,
        hist.jobs,
        idres.people[["community_code", "connector_id", "person_id"]],
        quarter.last_day,
    )
    build_warehouse(
        warehouse,
        quarter=quarter,
        events=counts.events,
        job_outcomes=counts.job_outcomes,
        submissions=summary.submissions_frame(checked.submissions),
        issues=summary.issues_frame(checked.submissions),
        review=idres.review,
        quality=summary.quality_figures(
            checked.submissions, checked.effective, hist, idres, counting.summarise(counts)
        ),
        registry=registry,
        key=KEY,
        page_workbooks=summary.page_workbooks_frame(checked.submissions),
        page_problems=summary.page_problems_frame(checked.submissions),
        basis=summary.basis_frames(checked.effective, modified, list(decisions), hist),
    )
    report.write_reports(warehouse, warehouse.parent / "reports")


def rows(warehouse: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query).fetchall()


@pytest.fixture(scope="module")
def revised(tmp_path_factory):
    """Q4 rolled up and published, then the late workbook, the withdrawal and a decision, rolled up for the next quarter."""
    root = tmp_path_factory.mktemp("publication")
    raw, warehouse = root / "raw", root / "data" / "warehouse.duckdb"
    raw.mkdir()
    warehouse.parent.mkdir()
    hfx(raw, Q4, dt.date(2025, 4, 10))
    ott_q4(raw)
    roll_up(raw, warehouse, Q4)
    before = {
        "national": (root / "data" / "reports" / Q4.label / "national.md").read_text(),
        "published": publish(warehouse, Q4.label, "Sent to the ministry", by="sam"),
        "figures": rows(warehouse, "select * from published_figures order by all"),
        "publications": rows(warehouse, "select * from publications"),
        "store": store_path(warehouse).read_bytes(),
    }
    ott_q3_late(raw)
    hfx(raw, NEXT, dt.date(2025, 7, 5), e2_withdrawn="Yes")
    roll_up(raw, warehouse, NEXT, [Decision("NS-HFX:C1", "ON-OTT:K1", True, "Same person")])
    return root, warehouse, before


def test_publishing_freezes_national_and_community_figures(revised):
    _, _, before = revised
    published = before["published"]
    assert published["period"] == Q4.label and published["published_by"] == "sam"
    assert published["national"] == {
        Q4.label: {"connectees": 3, "connectors": 2, "jobs": 1},
        "2024-25": {"connectees": 3, "connectors": 2, "jobs": 1},
        "cumulative": {"connectees": 3, "connectors": 2, "jobs": 1},
    }
    figures = {(scope, fp): rest for _, _, scope, fp, *rest in before["figures"]}
    assert figures[("NS-HFX", Q4.label)] == [2, 1, 1]
    assert figures[("ON-OTT", "cumulative")] == [1, 1, 0]
    assert len({scope for scope, _ in figures}) == len(load_registry()) + 1  # every community
    ((period, _, by, note, run_id),) = before["publications"]
    assert (period, by, note) == (Q4.label, "sam", "Sent to the ministry")
    assert run_id == published["run_id"] and run_id.startswith("build-")


def test_revisions_list_exactly_the_figures_that_moved_by_how_much_and_why(revised):
    _, warehouse, _ = revised
    found = {
        (scope, fp, figure): (published, current, change, reasons)
        for period, scope, fp, figure, published, current, change, reasons in rows(
            warehouse, "select * from revisions"
        )
    }
    assert {p for (p,) in rows(warehouse, "select distinct period from revisions")} == {Q4.label}
    late = "ON-OTT's workbook for 2024-25-Q3 was submitted after the publication"
    withdrawn = (
        "NS-HFX's workbook for 2025-26-Q1 was submitted after the publication; "
        "NS-HFX: 1 record withdrawn since the publication (1 Connectee)"
    )
    decision = "1 Connector decision taken since the publication"
    assert found == {
        # E2 withdrawn: Halifax and the nation lose her everywhere
        ("NS-HFX", Q4.label, "connectees"): (2, 1, -1, withdrawn),
        ("NS-HFX", "2024-25", "connectees"): (2, 1, -1, withdrawn),
        ("NS-HFX", "cumulative", "connectees"): (2, 1, -1, withdrawn),
        ("national", Q4.label, "connectees"): (3, 2, -1, withdrawn),
        # O2 and O3 late in Q3: the year and the total gain them; K1 now counts in Q3
        ("ON-OTT", "2024-25", "connectees"): (1, 3, 2, late),
        ("ON-OTT", "cumulative", "connectees"): (1, 3, 2, late),
        ("ON-OTT", Q4.label, "connectors"): (1, 0, -1, f"{late}; {decision}"),
        ("national", "2024-25", "connectees"): (3, 4, 1, f"{withdrawn}; {late}"),
        ("national", "cumulative", "connectees"): (3, 4, 1, f"{withdrawn}; {late}"),
        # C1 and K1 decided one person: counted once nationally, in Q3
        ("national", Q4.label, "connectors"): (2, 0, -2, f"{late}; {decision}"),
        ("national", "2024-25", "connectors"): (2, 1, -1, decision),
        ("national", "cumulative", "connectors"): (2, 1, -1, decision),
    }
    assert revised_periods(warehouse) == {Q4.label}


def test_the_national_report_shows_the_revisions(revised):
    root, _, before = revised
    assert "Revised since publication" not in before["national"]  # nothing moved yet...
    national = (root / "data" / "reports" / NEXT.label / "national.md").read_text()
    section = national.split("## Revised since publication\n", 1)[1].split("\n## ", 1)[0]
    assert "- Published quarters compared: 2024-25-Q4 (published " in section
    assert "12 published figures have changed, in 1 quarter (2024-25-Q4):" in section
    assert (
        "| 2024-25-Q4 | National | Quarter 2024-25-Q4 | Connectees onboarded | 3 | 2 | -1 | "
        "as in the rows of NS-HFX below |"
    ) in section
    assert (
        "| 2024-25-Q4 | Halifax (NS-HFX) | Quarter 2024-25-Q4 | Connectees onboarded | 2 | 1 | -1 | "
        "NS-HFX's workbook for 2025-26-Q1 was submitted after the publication; NS-HFX: 1 record "
        "withdrawn since the publication (1 Connectee) |"
    ) in section
    assert (
        "| National | Quarter 2024-25-Q4 | Connectors | 2 | 0 | -2 | as in the rows of ON-OTT "
        "below; 1 Connector decision taken since the publication |"
    ) in section
    assert (
        "| Cumulative since 2009 | Connectors | 2 | 1 | -1 | 1 Connector decision taken" in section
    )
    # A community's page is unchanged by publication.
    page = (root / "data" / "reports" / NEXT.label / "communities" / "NS-HFX.md").read_text()
    assert "publication" not in page.lower()


def test_the_section_says_when_nothing_moved(tmp_path):
    raw, warehouse = tmp_path / "raw", tmp_path / "data" / "warehouse.duckdb"
    raw.mkdir()
    warehouse.parent.mkdir()
    hfx(raw, Q4, dt.date(2025, 4, 10))
    roll_up(raw, warehouse, Q4)
    publish(warehouse, Q4.label, by="sam")
    roll_up(raw, warehouse, Q4)  # the same workbooks again
    national = (tmp_path / "data" / "reports" / Q4.label / "national.md").read_text()
    assert "## Revised since publication" in national
    assert "No published figure has changed." in national
    assert rows(warehouse, "select count(*) from revisions") == [(0,)]


def test_the_publications_survive_the_rebuild_in_their_owner_only_store(revised):
    _, warehouse, before = revised
    assert rows(warehouse, "select * from published_figures order by all") == before["figures"]
    assert rows(warehouse, "select * from publications") == before["publications"]
    assert store_path(warehouse).read_bytes() == before["store"]  # the rebuild never writes it
    assert stat.S_IMODE(store_path(warehouse).stat().st_mode) == 0o600
    assert rows(warehouse, "select quarter from run_info") == [(NEXT.label,)]


def test_publishing_twice_keeps_both_and_compares_with_the_latest(tmp_path):
    raw, warehouse = tmp_path / "raw", tmp_path / "data" / "warehouse.duckdb"
    raw.mkdir()
    warehouse.parent.mkdir()
    hfx(raw, Q4, dt.date(2025, 4, 10))
    roll_up(raw, warehouse, Q4)
    first = publish(warehouse, Q4.label, "first", by="sam")
    hfx(raw, Q4, dt.date(2025, 4, 20), e2_withdrawn="Yes")  # replaced: E2 withdrawn
    roll_up(raw, warehouse, Q4)
    assert revised_periods(warehouse) == {Q4.label}
    assert rows(warehouse, "select reasons from revisions limit 1") == [
        (
            "NS-HFX's workbook for 2024-25-Q4 was replaced after the publication; "
            "NS-HFX: 1 record withdrawn since the publication (1 Connectee)",
        )
    ]
    second = publish(warehouse, Q4.label, "revised", by="ana@example.org")
    assert (first["publication"], second["publication"]) == (1, 2)
    assert rows(warehouse, "select period, published_by, note from publications") == [
        (Q4.label, "sam", "first"),
        (Q4.label, "[email]", "revised"),  # the store keeps the email, the warehouse masks it
    ]
    assert rows(warehouse, "select count(*) from published_figures") == [(2 * 3 * 45,)]
    # The warehouse was brought up to date by publishing: the latest publication stands.
    assert revised_periods(warehouse) == set()
    with duckdb.connect(str(store_path(warehouse)), read_only=True) as con:
        assert con.execute("select published_by from publications order by 1").fetchall() == [
            ("ana@example.org",),
            ("sam",),
        ]


def test_no_roll_up_of_the_quarter_is_refused_in_one_sentence(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    runner = CliRunner()
    result = runner.invoke(main, ["publish", "--quarter", Q4.label, "--warehouse", str(warehouse)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"There is no warehouse at {warehouse}: run the roll-up for 2024-25-Q4, then publish it."
    )
    raw = tmp_path / "raw"
    raw.mkdir()
    hfx(raw, Q4, dt.date(2025, 4, 10))
    roll_up(raw, warehouse, Q4)
    result = runner.invoke(
        main, ["publish", "--quarter", "2025-26-Q1", "--warehouse", str(warehouse)]
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"The warehouse {warehouse} holds no roll-up of 2025-26-Q1 (its roll-up is of "
        "2024-25-Q4): run the roll-up for 2025-26-Q1, then publish it."
    )
    assert not store_path(warehouse).exists()
    with pytest.raises(NoRollupError):
        publish(warehouse, "2025-26-Q1", by="portal@example.org")
    result = runner.invoke(
        main, ["publish", "--quarter", Q4.label, "--warehouse", str(warehouse), "--note", "ok"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Published 2024-25-Q4 (publication 1, roll-up build-")
