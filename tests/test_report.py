"""The reports: given a small literal roll-up, expect its figures, coverage and charts."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from connector_rollup.cli import main
from connector_rollup.periods import Period
from connector_rollup.registry import Community
from connector_rollup.rollup import report
from connector_rollup.rollup.pseudonym import DEMO_KEY
from connector_rollup.rollup.report import (
    headline_figures,
    national_summary_markdown,
    write_reports,
)
from connector_rollup.rollup.summary import PAGE_WORKBOOK_COLUMNS, warehouse_label
from connector_rollup.rollup.warehouse import build_warehouse, pages_path

NA = pd.NA
QUARTER = Period(2024, 4)  # 2024-25-Q4: January to March 2025; a year earlier is 2023-24-Q4
PNG = b"\x89PNG\r\n\x1a\n"

REGISTRY = {
    c.code: c
    for c in [
        Community("NS-HFX", "Halifax", "NS", frozenset({"newcomer"}), dt.date(2009, 1, 1)),
        Community("ON-OTT", "Ottawa", "ON", frozenset({"newcomer"}), dt.date(2012, 4, 1)),
        Community("BC-VIC", "Victoria", "BC", frozenset({"newcomer"}), dt.date(2016, 4, 1)),
        Community("YT-WHS", "Whitehorse", "YT", frozenset({"newcomer"}), dt.date(2025, 4, 1)),
        Community("QC-GAT", "Gatineau", "QC", frozenset({"newcomer"}), dt.date(2025, 4, 1)),
    ]
}
# The files as the flow found them under --raw, by (sha256, status): the pages file names them.
FILE_NAMES = {
    ("a" * 64, "accepted"): ["Halifax/2024-25/hfx-q3.xlsx"],
    ("b" * 64, "superseded"): ["Halifax/hfx-q4.xlsx"],
    ("c" * 64, "accepted"): ["Halifax/hfx-q4-fixed.xlsx"],
    ("d" * 64, "accepted"): ["Ottawa/ott T4 final.xlsx"],
    ("h" * 64, "superseded"): ["Ottawa/ott T4.xlsx"],
    ("e" * 64, "rejected"): ["vic-q4.xlsx"],
    ("f" * 64, "rejected"): ["scan.pdf.xlsx"],
    ("g" * 64, "rejected"): ["Halifax/<img src=x onerror=alert(1)>.xlsx"],
}

EVENTS = [
    # national: connectees 2 a year earlier, 1 in Q1, 3 this quarter
    ("connectees", "national", NA, "a@x.ca", "2024-02-10"),
    ("connectees", "national", NA, "b@x.ca", "2024-03-01"),
    ("connectees", "national", NA, "c@x.ca", "2024-05-01"),
    ("connectees", "national", NA, "d@x.ca", "2025-01-15"),
    ("connectees", "national", NA, "e@x.ca", "2025-02-01"),
    ("connectees", "national", NA, "f@x.ca", "2025-03-31"),
    ("connectors", "national", NA, "k1@x.ca", "2023-06-01"),
    ("connectors", "national", NA, "k2@x.ca", "2025-01-05"),
    ("jobs", "national", NA, "a@x.ca", "2025-03-01"),
    # communities: a@x.ca and k2@x.ca count in two communities
    ("connectees", "community", "NS-HFX", "a@x.ca", "2024-02-10"),
    ("connectees", "community", "NS-HFX", "b@x.ca", "2024-03-01"),
    ("connectees", "community", "NS-HFX", "d@x.ca", "2025-01-15"),
    ("connectees", "community", "NS-HFX", "e@x.ca", "2025-02-01"),
    ("connectors", "community", "NS-HFX", "k1@x.ca", "2023-06-01"),
    ("connectors", "community", "NS-HFX", "k2@x.ca", "2025-01-05"),
    ("jobs", "community", "NS-HFX", "a@x.ca", "2025-03-01"),
    ("connectees", "community", "ON-OTT", "c@x.ca", "2024-05-01"),
    ("connectees", "community", "ON-OTT", "f@x.ca", "2025-03-31"),
    ("connectees", "community", "ON-OTT", "a@x.ca", "2025-01-20"),
    ("connectors", "community", "ON-OTT", "k2@x.ca", "2025-02-01"),
]


def submissions_input() -> pd.DataFrame:
    # As the flow loads them: the warehouse names workbooks by content (summary.warehouse_label);
    # FILE_NAMES below gives the reports the files' own names.
    return pd.DataFrame(
        {
            "community_code": pd.Series(
                ["NS-HFX", "NS-HFX", "NS-HFX", "ON-OTT", "ON-OTT", "BC-VIC", NA, "NS-HFX"],
                dtype="str",
            ),
            "period": pd.Series(
                [
                    "2024-25-Q3",
                    "2024-25-Q4",
                    "2024-25-Q4",
                    "2024-25-Q4",
                    "2024-25-Q4",
                    "2024-25-Q4",
                    NA,
                    NA,
                ],
                dtype="str",
            ),
            "file_name": [warehouse_label(c * 64) for c in "abcdhefg"],
            "sha256": [c * 64 for c in "abcdhefg"],
            "submitted_on": pd.to_datetime(
                [
                    "2025-01-04",
                    "2025-04-03",
                    "2025-04-09",
                    "2025-04-05",
                    "2025-04-01",
                    "2025-04-06",
                    None,
                    None,
                ]
            ),
            "status": [
                "accepted",
                "superseded",
                "accepted",
                "accepted",
                "superseded",
                "rejected",
                "rejected",
                "rejected",
            ],
            "rows_read": pd.array([20, 25, 26, 1234, 1200, 0, 0, 0], dtype="Int64"),
            "rows_rejected": pd.array([0, 3, 2, 0, 1, 0, 0, 0], dtype="Int64"),
            "reason": [
                "",
                "Replaced by workbook cccccccc, submitted on 2025-04-09.",
                "",
                "",
                "Remplacé par le classeur dddddddd soumis le 2025-04-05.",
                "The Connectees sheet is missing.",
                "Not a readable .xlsx workbook.",
                "The workbook has no 'Introductions' sheet, which is required.",
            ],
            "tracks_jobs": pd.array([True, True, True, False, False, NA, NA, NA], dtype="boolean"),
            "language": ["en", "en", "en", "fr", "fr", "en", "en", "en"],
        }
    )


def inputs() -> dict:
    measure, scope, code, person, day = zip(*EVENTS)
    submissions = submissions_input()
    return dict(
        quarter=QUARTER,
        events=pd.DataFrame(
            {
                "measure": measure,
                "scope": scope,
                "community_code": pd.Series(code, dtype="str"),
                "person_id": person,
                "event_date": pd.to_datetime(list(day)),
            }
        ),
        job_outcomes=pd.DataFrame(
            {
                "community_code": ["NS-HFX", "NS-HFX", "ON-OTT"],
                "connectee_id": ["1", "2", "9"],
                "person_id": ["a@x.ca", "b@x.ca", "c@x.ca"],
                "employer": ["Acme", "Beta", "Gamma"],
                "start_date": pd.to_datetime(["2025-03-01", "2025-02-01", "2025-01-10"]),
                "qualifies": [True, False, False],
                "reason": pd.Series([NA, "not_in_field", "noc_lower_teer"], dtype="str"),
            }
        ),
        submissions=submissions,
        issues=pd.DataFrame(
            {
                "file_name": [warehouse_label(c * 64) for c in "cccceg"],
                "community_code": ["NS-HFX", "NS-HFX", "NS-HFX", "NS-HFX", "BC-VIC", "NS-HFX"],
                "period": pd.Series(["2024-25-Q4"] * 5 + [NA], dtype="str"),
                "sheet": pd.Series(
                    ["Connectees", "Introductions", "Connectees", "Connectees", NA, NA], dtype="str"
                ),
                "row": pd.array([7, 3, NA, 9, NA, NA], dtype="Int64"),
                "column": pd.Series(
                    ["Email", "Connector ID", "Favourite colour", "Category", NA, NA], dtype="str"
                ),
                "cell": pd.Series(["D7", "B3", "P1", "H9", NA, NA], dtype="str"),
                "severity": ["error", "error", "warning", "error", "error", "error"],
                "code": [
                    "bad_email",
                    "unknown_id",
                    "unknown_column",
                    "bad_choice",
                    "missing_sheet",
                    "missing_sheet",
                ],
                "message": [
                    "D7: not an email address; write one address like name@domain.ca.",
                    "B3: no Connector has the ID K99 | check the ID.",
                    "The column Favourite colour is not part of the workbook; it is ignored.",
                    "'<script>alert(1)</script>' is not one of the choices for Category.",
                    "The Connectees sheet is missing.",
                    "The workbook has no 'Introductions' sheet, which is required.",
                ],
                "value": ["***", "K99", "", "<script>alert(1)</script>", NA, NA],
            }
        ),
        review=pd.DataFrame(
            {
                "record_a": ["NS-HFX:K1", "NS-HFX:K4"],
                "record_b": ["ON-OTT:K2", "ON-OTT:K8"],
                "reason": ["shared_email", "same_name_no_link"],
                "detail": ["", ""],
                "decided": ["", "different"],
            }
        ),
        quality={
            "workbooks_found": 8,
            "workbooks_accepted": 3,
            "workbooks_superseded": 2,
            "workbooks_rejected": 3,
            "workbooks_rejected_by_code": {"missing_sheet": 2, "not_xlsx": 1},
            "rows_read": 82,
            "rows_rejected": 2,
            "rows_rejected_by_code": {"bad_email": 1, "unknown_id": 1, "bad_choice": 1},
            "withdrawn": {"connectees": 2, "connectors": 1, "jobs": 0},
            "connector_records": 5,
            "connector_persons": 3,
            "merged_records": 2,
            "jobs_excluded_by_reason": {"not_in_field": 1, "noc_lower_teer": 1},
        },
        registry=REGISTRY,
        key=b"report-test-key",
        page_workbooks=page_workbooks(submissions),
    )


def page_workbooks(submissions: pd.DataFrame) -> pd.DataFrame:
    """The pages file's workbooks (summary.page_workbooks_frame): the warehouse's, by their files' names."""
    frame = submissions.copy()
    frame["file_name"] = [
        FILE_NAMES[(sha, status)][0]
        for sha, status in zip(frame["sha256"], frame["status"], strict=True)
    ]
    return frame[PAGE_WORKBOOK_COLUMNS]


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    build_warehouse(path, **inputs())
    return path


@pytest.fixture(scope="module")
def reports(warehouse_path, tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    national = write_reports(
        warehouse_path,
        root,
        quarter=QUARTER,
        registry=REGISTRY,
        code_meanings={"bad_email": "the email address is not valid"},
    )
    return national


@pytest.fixture(scope="module")
def national(reports):
    return reports.read_text(encoding="utf-8")


def community_page(reports, code):
    return (reports.parent / "communities" / f"{code}.md").read_text(encoding="utf-8")


def test_the_national_report_is_where_interfaces_md_says(reports, tmp_path_factory):
    assert reports.name == "national.md" and reports.parent.name == "2024-25-Q4"
    pages = sorted(p.name for p in (reports.parent / "communities").iterdir())
    assert pages == ["BC-VIC.md", "NS-HFX.md", "ON-OTT.md", "QC-GAT.md", "YT-WHS.md"]


def test_headline_figures_with_year_on_year_change(national):
    assert "1 January 2025 to 31 March 2025" in national
    # figure | this quarter | a year earlier | change | fiscal year to date | cumulative
    assert "| Connectees onboarded | 3 | 2 | +1 (+50.0%) | 4 | 6 |" in national
    assert "| Connectors | 1 | 0 | +1 (n/a) | 1 | 2 |" in national
    assert "| Connectees in qualifying jobs | 1 | 0 | +1 (n/a) | 1 | 1 |" in national


def test_community_table_sums_and_national_row(national):
    assert "| NS-HFX | Halifax | 2 / 2 / 4 | 1 / 1 / 2 | 1 / 1 / 1 |" in national
    # Ottawa's workbook says it does not track jobs: no jobs is "not tracked", not "0"
    assert "| ON-OTT | Ottawa | 2 / 3 / 3 | 1 / 1 / 1 | not tracked |" in national
    assert "|  | Sum of the communities | 4 / 5 / 7 | 2 / 2 / 3 | 1 / 1 / 1 |" in national
    assert (
        "|  | **National (each person once)** | **3 / 4 / 6** | **1 / 1 / 2** | **1 / 1 / 1** |"
    ) in national
    assert "add up to more than the national figure" in national


def test_coverage_lists(national):
    assert "- **Submitted (2 of 3)**: Halifax (NS-HFX), Ottawa (ON-OTT)." in national
    assert "- **Missing (1)**: Victoria (BC-VIC)." in national
    assert (
        "  - Victoria (BC-VIC): vic-q4.xlsx (2024-25-Q4, submitted on 6 April 2025) was rejected. "
        "The Connectees sheet is missing."
    ) in national
    assert "- **Tracking jobs (1)**: Halifax (NS-HFX)." in national
    assert "- **Submitted but not tracking jobs (1)**: Ottawa (ON-OTT)." in national
    assert "Gatineau (QC-GAT, joins 2025-04-01), Whitehorse (YT-WHS, joins 2025-04-01)" in national
    assert "only the one community that tracks jobs reported" in national


def test_data_quality_section(national):
    assert "- Rows read: 82." in national
    assert "- Rows rejected: 2 (2.4% of the rows read)." in national
    assert "| bad_email | the email address is not valid | 1 |" in national
    assert "| bad_choice | a value is not one of the column's choices | 1 |" in national
    assert "| unknown_id | Unknown id | 1 |" in national
    assert (
        "- Workbooks found: 8: 3 used, 2 replaced by a later workbook for the same quarter, "
        "3 rejected."
    ) in national
    assert "| missing_sheet | a required sheet is missing | 2 |" in national
    assert "2 Connectee records, 1 Connector records, 0 job records" in national
    assert "Connector records: 5; the people they belong to: 3; records merged" in national
    assert "The review list holds 2 pairs of records (1 still to decide)" in national
    assert "`review_list`" in national
    assert "| Counts (qualifying) |" in national and "| 1 |" in national
    assert "| noc_lower_teer | the job's occupation (NOC) is at a lower skill level" in national
    assert "- scan.pdf.xlsx (quarter unreadable): Not a readable .xlsx workbook." in national


def test_charts_are_pngs_linked_relatively(reports, national):
    for name in ("figures_by_quarter.png", "jobs_by_outcome.png"):
        assert (reports.parent / "charts" / name).read_bytes().startswith(PNG)
        assert f"](charts/{name})" in national


def test_same_warehouse_same_bytes(warehouse_path, reports, tmp_path):
    again = write_reports(
        warehouse_path,
        tmp_path,
        quarter=QUARTER,
        registry=REGISTRY,
        code_meanings={"bad_email": "the email address is not valid"},
    )
    first = sorted(p.relative_to(reports.parent) for p in reports.parent.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again.parent) for p in again.parent.rglob("*") if p.is_file())
    assert first == second
    for rel in first:
        assert (reports.parent / rel).read_bytes() == (again.parent / rel).read_bytes(), rel


def test_headline_figures_for_the_run_summary(warehouse_path):
    assert headline_figures(warehouse_path, QUARTER) == {
        "connectees": 3,
        "connectors": 1,
        "jobs": 1,
    }


def test_summary_markdown_is_the_national_page(warehouse_path, national):
    summary = national_summary_markdown(
        warehouse_path,
        quarter=QUARTER,
        registry=REGISTRY,
        code_meanings={"bad_email": "the email address is not valid"},
    )
    assert summary.rstrip("\n") == national.rstrip("\n")
    assert "Demo key in use" not in summary


def test_a_warehouse_of_another_quarter_is_refused(warehouse_path, tmp_path):
    with pytest.raises(ValueError, match="holds the roll-up of 2024-25-Q4"):
        write_reports(warehouse_path, tmp_path, quarter=Period(2025, 1), registry=REGISTRY)


def test_community_page_lists_submissions_and_issues(reports):
    page = community_page(reports, "NS-HFX")
    assert page.startswith("# Halifax (NS-HFX): roll-up for 2024-25-Q4")
    assert (
        "Your workbook Halifax/hfx-q4-fixed.xlsx (2024-25-Q4, submitted on 9 April 2025) was "
        "received and used. Rows left out because of an error: 2 (see the problems below)."
    ) in page
    assert "| Connectees onboarded | 2 (66.7% of 3) | 2 (50.0% of 4) | 4 (66.7% of 6) |" in page
    assert (
        "| 2024-25-Q4 | Halifax/hfx-q4-fixed.xlsx | 9 April 2025 | accepted | 26 | 2 | — |" in page
    )
    assert (
        "| 2024-25-Q4 | Halifax/hfx-q4.xlsx | 3 April 2025 | superseded | 25 | 3 | "
        "Replaced by Halifax/hfx-q4-fixed.xlsx, submitted on 9 April 2025. |"
    ) in page
    assert (
        "| 2024-25-Q3 | Halifax/2024-25/hfx-q3.xlsx | 4 January 2025 | accepted | 20 | 0 | — |"
        in page
    )
    assert "### Halifax/hfx-q4-fixed.xlsx (2024-25-Q4)" in page
    connectees = page.index("#### Connectees")
    introductions = page.index("#### Introductions")
    assert connectees < page.index("| D7 | error | bad_email |") < introductions
    assert connectees < page.index("| P1 | warning | unknown_column |") < introductions
    assert "| B3 | error | unknown_id | B3: no Connector has the ID" in page
    assert (
        "check the ID. |" in page and "\\| check the ID" in page
    )  # a pipe in a message stays in its cell
    assert "Problems in a workbook that a later one replaced are not listed" in page
    assert "workbook cccccccc" not in page and "workbook bbbbbbbb" not in page


def test_a_rejected_workbook_is_its_communitys(reports, national):
    """A workbook rejected after its Submission sheet named the community shows on its page and line."""
    victoria = community_page(reports, "BC-VIC")
    assert (
        "Your workbook vic-q4.xlsx (2024-25-Q4, submitted on 6 April 2025) could not be used. "
        "The Connectees sheet is missing."
    ) in victoria
    assert (
        "| 2024-25-Q4 | vic-q4.xlsx | 6 April 2025 | rejected | 0 | 0 | The Connectees sheet is "
        "missing. |"
    ) in victoria
    assert "### vic-q4.xlsx (2024-25-Q4)\n\n#### The whole file" in victoria
    assert "| — | error | missing_sheet | The Connectees sheet is missing. |" in victoria
    # Halifax's workbook whose quarter could not be read: beside the one used, on its page and line.
    halifax = community_page(reports, "NS-HFX")
    assert (
        "Your workbook Halifax/&lt;img src=x onerror=alert(1)&gt;.xlsx (quarter unreadable) could "
        "not be used. The workbook has no 'Introductions' sheet, which is required."
    ) in halifax
    assert (
        "- **Rejected besides the workbook used (1)**:\n"
        "  - Halifax (NS-HFX): Halifax/&lt;img src=x onerror=alert(1)&gt;.xlsx (quarter unreadable) "
        "was rejected. The workbook has no 'Introductions' sheet, which is required."
    ) in national
    # Only a workbook without a registered community is unattributed.
    unattributed = national[national.index("### Workbooks that name no registered community") :]
    assert (
        unattributed.count("\n- ") == 1 and "- scan.pdf.xlsx (quarter unreadable)" in unattributed
    )


def test_typed_values_are_shown_as_text(reports, national):
    """A cell, a file name or a reason quoting one is escaped: no tag, image or table break survives."""
    halifax = community_page(reports, "NS-HFX")
    assert (
        "| H9 | error | bad_choice | '&lt;script&gt;alert(1)&lt;/script&gt;' is not one of the "
        "choices for Category. |"
    ) in halifax
    for text in (halifax, national):
        assert "<script" not in text and "<img" not in text


def test_a_community_page_in_the_communitys_language(reports):
    """Ottawa's latest workbook is French: the whole page is, numbers and dates included."""
    page = community_page(reports, "ON-OTT")
    lines = page.splitlines()
    assert lines[0] == "# Ottawa (ON-OTT) : bilan national de 2024-25-Q4"
    assert "Le trimestre 2024-25-Q4 va du 1er janvier 2025 au 31 mars 2025." in page
    assert (
        "Votre classeur Ottawa/ott T4 final.xlsx (2024-25-Q4, soumis le 5 avril 2025) a été reçu "
        "et utilisé."
    ) in lines
    assert "## Vos chiffres" in lines and "## Vos classeurs" in lines
    assert "## Problèmes trouvés et comment les corriger" in lines
    assert (
        "| Chiffre | Ce trimestre (2024-25-Q4) | Exercice 2024-25 à ce jour | Cumul depuis 2009 |"
        in lines
    )
    assert (
        "| Connectés intégrés | 2 (66,7\u202f% de 3) | 3 (75,0\u202f% de 4) | 3 (50,0\u202f% de 6) |"
        in lines
    )
    assert (
        "| Trimestre | Fichier | Soumis le | Statut | Lignes lues | Lignes rejetées | Motif |"
        in lines
    )
    assert (
        "| 2024-25-Q4 | Ottawa/ott T4.xlsx | 1er avril 2025 | remplacé | 1\u202f200 | 1 | "
        "Remplacé par Ottawa/ott T4 final.xlsx, soumis le 5 avril 2025. |"
    ) in lines
    assert "**rejeté** : n'a pas pu être utilisé du tout" in page
    # No workbook at all: the registry's language, French in Quebec.
    gatineau = community_page(reports, "QC-GAT")
    assert "Votre communauté se joint au programme le 1er avril 2025." in gatineau
    assert "Aucun classeur n'a été reçu de vous." in gatineau


def test_a_community_that_does_not_track_jobs_reads_not_tracked(reports):
    page = community_page(reports, "ON-OTT")
    assert "| Connectés en emploi admissible | non suivi | non suivi | non suivi |" in page
    assert "0,0" not in page.split("Connectés en emploi admissible")[1].splitlines()[0]
    halifax = community_page(reports, "NS-HFX")
    assert (
        "| Connectees in qualifying jobs | 1 (100.0% of 1) | 1 (100.0% of 1) | 1 (100.0% of 1) |"
        in halifax
    )


@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_no_page_says_no_problems_above_rejected_rows(reports, code):
    """Accepted with errors, rejected, superseded with rejected rows, none submitted: never "no problems" over them."""
    page = community_page(reports, code)
    rows = [
        line.split(" | ")
        for line in page.splitlines()
        if line.startswith(("| 20", "| quarter", "| trimestre"))
    ]
    rejected_rows = any(cells[3] in ("rejected", "rejeté") or cells[5] != "0" for cells in rows)
    says_none = "No problems were found" in page or "Aucun problème n'a été trouvé" in page
    assert not (rejected_rows and says_none)
    expected = {"BC-VIC": False, "NS-HFX": False, "ON-OTT": False, "QC-GAT": True, "YT-WHS": True}
    assert says_none is expected[code]


def test_not_yet_joined_and_nothing_received(reports):
    whitehorse = community_page(reports, "YT-WHS")
    assert "Your community joins the program on 1 April 2025." in whitehorse
    assert "No workbook has been received from you." in whitehorse
    assert "No problems were found in your workbooks." in whitehorse


def test_workbook_label_names_the_file_its_quarter_and_date():
    assert (
        report.workbook_label("NS-HFX/q4.xlsx", "2024-25-Q4", dt.date(2025, 4, 1))
        == "NS-HFX/q4.xlsx (2024-25-Q4, submitted on 1 April 2025)"
    )
    assert (
        report.workbook_label("QC/T4.xlsx", "2024-25-Q4", dt.date(2025, 4, 1), "fr")
        == "QC/T4.xlsx (2024-25-Q4, soumis le 1er avril 2025)"
    )
    assert report.workbook_label("x.xlsx", None, None) == "x.xlsx (quarter unreadable)"


def test_chart_time_axis_marks_every_quarter_and_labels_first_and_current():
    quarters = [
        Period(2020, 4),
        *(Period(y, q) for y in range(2021, 2026) for q in (1, 2, 3, 4)),
        Period(2026, 1),
        Period(2026, 2),
    ]
    rows = [(p.label, p.fiscal_year, p.quarter) for p in quarters]
    ticks, labels, every = report.time_axis(rows)
    assert every == list(range(len(rows)))
    assert labels[0] == "2020-21-Q4" and labels[-1] == "2026-27-Q2"
    assert (ticks[0], ticks[-1]) == (0, len(rows) - 1)
    # fiscal years at their Q1, except one too close to the first or current quarter to be read
    assert labels[1:-1] == ["2022-23", "2023-24", "2024-25", "2025-26"]
    short = rows[-5:]
    assert report.time_axis(short) == (list(range(5)), [r[0] for r in short], list(range(5)))


# The problems of Halifax's workbook in use, as validation reported them: values as typed.
PAGE_PROBLEMS = pd.DataFrame(
    {
        "file_name": ["Halifax/hfx-q4-fixed.xlsx"] * 2,
        "position": pd.array([0, 1], dtype="Int64"),
        "sheet": ["Connectees", "Introductions"],
        "row": pd.array([7, 3], dtype="Int64"),
        "column": ["Email", "Connector ID"],
        "cell": ["D7", "B3"],
        "severity": ["error", "error"],
        "code": ["bad_email", "unknown_id"],
        "value": ["amelie.tremblay(at)example.ca", "raj.patel@example.org"],
        "message": [
            "'amelie.tremblay(at)example.ca' is not an email address.",
            "No Connector has the ID raj.patel@example.org.",
        ],
        "fix": ["Write one address like name@domain.ca.", "Check the ID."],
    }
)


def test_a_communitys_page_quotes_its_problems_from_the_pages_file(tmp_path):
    """The values a page quotes come from the pages file; the analysts' warehouse has none of them."""
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(path, **{**inputs(), "page_problems": PAGE_PROBLEMS})
    national = write_reports(path, tmp_path / "reports")
    page = (national.parent / "communities" / "NS-HFX.md").read_text(encoding="utf-8")
    problems = page[page.index("## Problems found and how to fix them") :]
    assert problems.startswith(
        "## Problems found and how to fix them\n\n"
        "### Halifax/hfx-q4-fixed.xlsx (2024-25-Q4, submitted on 9 April 2025)\n\n"
        "- **Status**: accepted\n"
    )
    assert (
        "| D7 | Email | error | `bad_email` | amelie.tremblay(at)example.ca | "
        "'amelie.tremblay(at)example.ca' is not an email address. | "
        "Write one address like name@domain.ca. |"
    ) in problems
    assert "| B3 | Connector ID | error | `unknown_id` | raj.patel@example.org |" in problems
    assert "| D7 | error | bad_email |" not in page  # not the warehouse's wording
    # A community without problems in the pages file: the warehouse's list, as before.
    victoria = (national.parent / "communities" / "BC-VIC.md").read_text(encoding="utf-8")
    assert "| — | error | missing_sheet | The Connectees sheet is missing. |" in victoria
    with duckdb.connect(str(path), read_only=True) as con:
        objects = [
            n
            for (n,) in con.execute(
                "select table_name from duckdb_tables() where not internal"
            ).fetchall()
        ]
        objects += [
            n
            for (n,) in con.execute(
                "select view_name from duckdb_views() where not internal"
            ).fetchall()
        ]
        assert not [n for n in objects if n.startswith("page_")]
        for name in objects:
            text = str(con.execute(f'select * from "{name}"').fetchall()).lower()
            assert "amelie" not in text and "raj.patel" not in text, name


def test_reports_are_a_function_of_the_warehouse_and_its_pages_file(warehouse_path, tmp_path):
    """Moved elsewhere, given no quarter, registry or names: the same pages, byte for byte."""
    moved = tmp_path / "elsewhere" / "w.duckdb"
    moved.parent.mkdir()
    shutil.copyfile(warehouse_path, moved)
    shutil.copyfile(pages_path(warehouse_path), pages_path(moved))
    first = write_reports(warehouse_path, tmp_path / "a", quarter=QUARTER, registry=REGISTRY)
    again = write_reports(moved, tmp_path / "b")
    assert again.relative_to(tmp_path / "b") == first.relative_to(tmp_path / "a")
    assert files(first.parent) == files(again.parent)


def test_without_its_pages_file_a_warehouse_still_makes_reports_naming_no_file(
    warehouse_path, tmp_path
):
    """An analyst's copy of the warehouse: workbooks by content label, problems as analysts see them."""
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(warehouse_path, copy)
    national = write_reports(copy, tmp_path / "reports")
    page = (national.parent / "communities" / "NS-HFX.md").read_text(encoding="utf-8")
    assert "| 2024-25-Q4 | workbook cccccccc | 9 April 2025 | accepted | 26 | 2 | — |" in page
    assert "hfx-q4-fixed.xlsx" not in page + national.read_text(encoding="utf-8")


def test_a_pages_file_of_another_roll_up_is_refused(warehouse_path, tmp_path):
    other = tmp_path / "other.duckdb"
    build_warehouse(other, **{**inputs(), "quarter": Period(2025, 1)})
    mixed = tmp_path / "mixed.duckdb"
    shutil.copyfile(warehouse_path, mixed)
    shutil.copyfile(pages_path(other), pages_path(mixed))
    with pytest.raises(ValueError, match="is not of the roll-up its warehouse holds"):
        write_reports(mixed, tmp_path / "reports")


def test_the_report_command_rebuilds_the_reports_from_the_warehouse(warehouse_path, tmp_path):
    expected = write_reports(warehouse_path, tmp_path / "expected")
    result = CliRunner().invoke(
        main, ["report", "--warehouse", str(warehouse_path), "--reports", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    national = tmp_path / "out" / "2024-25-Q4" / "national.md"
    assert result.output.strip().endswith(f"Rebuilt the reports from {warehouse_path}: {national}")
    assert files(national.parent) == files(expected.parent)
    missing = CliRunner().invoke(main, ["report", "--warehouse", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 1
    assert missing.output.strip() == (
        f"Error: There is no warehouse at {tmp_path / 'none.duckdb'}: run the roll-up first."
    )


def files(folder) -> dict[str, bytes]:
    """Every file under ``folder``, by its path relative to it."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_the_demo_key_is_announced(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(path, **{**inputs(), "key": DEMO_KEY})
    summary = national_summary_markdown(path, quarter=QUARTER, registry=REGISTRY)
    assert "> **Demo key in use.**" in summary


def test_small_shares_are_not_shown_as_zero():
    """32 rejected rows of 111,614 read is not "0.0%": a reader would take it for none."""
    assert report._percent(32, 111_614) == "under 0.1%"
    assert report._percent(0, 111_614) == "0.0%"
    assert report._percent(56, 111_614) == "0.1%"
    assert report._percent(1, 3) == "33.3%"


def test_a_community_name_with_markup_is_shown_as_text(tmp_path):
    """Pipes, an image, a tag and a terminal escape in a name: one table cell, shown literally."""
    name = (
        "Victoria | ![x](http://remote/x.png) <img src=x onerror=alert(1)>\x1b]8;;http://evil\x07"
    )
    registry = {
        **REGISTRY,
        "BC-VIC": Community("BC-VIC", name, "BC", frozenset({"newcomer"}), dt.date(2016, 4, 1)),
    }
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(path, **{**inputs(), "registry": registry})
    national = write_reports(path, tmp_path / "reports")
    shown = (
        "Victoria \\| !\\[x\\](http://remote/x.png) &lt;img src=x onerror=alert(1)&gt;"
        "\\x1b\\]8;;http://evil\\x07"
    )
    text = national.read_text(encoding="utf-8")
    assert f"| BC-VIC | {shown} | 0 / 0 / 0 |" in text
    assert f"- **Missing (1)**: {shown} (BC-VIC)." in text
    page = (national.parent / "communities" / "BC-VIC.md").read_text(encoding="utf-8")
    assert page.startswith(f"# {shown} (BC-VIC): roll-up for 2024-25-Q4")
    assert "\x1b" not in text + page and "![x](" not in text + page
