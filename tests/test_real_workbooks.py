"""Workbooks as real applications write them (issue 7): each kind built in code, then the case files.

Every fixture starts from one small valid submission (NS-HFX, 2024-25-Q4,
3 Connectees onboarded, 2 Connectors, 1 Connectee in a qualifying job in the
quarter: "3/2/1") and changes the zip's XML the way Excel, LibreOffice or an
exporter writes it: cached error values, the 1904 date system, UTF-16 parts,
an empty optional sheet, a formula filled down to row 1,048,576, merged cells.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from builders import connectee, connector, introduction, job, submission_rows, write_workbook

from connector_rollup.intake import history, read
from connector_rollup.intake.validate import validate_workbook
from connector_rollup.messages import CODE_MEANINGS, FILE_MESSAGES, cell_message
from connector_rollup.periods import Period
from connector_rollup.rollup import counting, identity
from connector_rollup.values import EXCEL_ERRORS, ExcelError, parse_date

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT.parent / "shared" / "cases" / "workbooks"
QUARTER = "2024-25-Q4"
# Builders write Submission, Connectees, Connectors, Introductions, Jobs in this order.
PARTS = {
    "submission": "xl/worksheets/sheet1.xml",
    "connectees": "xl/worksheets/sheet2.xml",
    "connectors": "xl/worksheets/sheet3.xml",
    "introductions": "xl/worksheets/sheet4.xml",
    "jobs": "xl/worksheets/sheet5.xml",
}


def _rows():
    """The clean submission's rows: 3/2/1 in 2024-25-Q4."""
    applied, intake = dt.date(2024, 12, 1), dt.date(2025, 1, 10)
    return dict(
        connectees=[
            connectee(i, **{"Application date": applied, "Intake meeting date": intake})
            for i in ("E1", "E2", "E3")
        ],
        connectors=[
            connector("C1"),
            connector(
                "C2",
                **{
                    "First name": "Priya",
                    "Last name": "Madeup",
                    "Phone": "902-555-0288",
                    "Organization": "Bayview",
                },
            ),
        ],
        introductions=[
            introduction("E1", "C1", **{"Introduction date": dt.date(2025, 1, 20)}),
            introduction("E2", "C2", **{"Introduction date": dt.date(2025, 2, 3)}),
            introduction("E3", "C1", **{"Introduction date": dt.date(2025, 2, 10)}),
        ],
        jobs=[job("E1", **{"Start date": dt.date(2025, 3, 1)})],
    )


def _workbook(path: Path, **overrides) -> Path:
    args = {**_rows(), "submission": submission_rows(quarter=QUARTER)}
    args.update(overrides)
    return write_workbook(path, **args)


def _edit(path: Path, changes: dict) -> Path:
    """Rewrite the workbook's parts in place: ``changes`` maps a part name to a function of its bytes."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name, change in changes.items():
        parts[name] = change(parts[name])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def _cell_as(ref: str, xml: str):
    """A change that replaces the cell ``ref`` (which must exist) by ``xml``."""
    pattern = re.compile(rf'<c r="{ref}"(?:\s[^>]*?)?(?:/>|>.*?</c>)'.encode())

    def change(sheet: bytes) -> bytes:
        sheet, count = pattern.subn(xml.encode().replace(b"\\", b"\\\\"), sheet, count=1)
        assert count == 1, ref
        return sheet

    return change


def _error_cell(ref: str, value: str = "#N/A") -> str:
    return f'<c r="{ref}" t="e"><f>VLOOKUP(C3,Lists!A:B,2,FALSE)</f><v>{value}</v></c>'


def figures(submission) -> tuple[int, int, int]:
    """Connectees onboarded, Connectors counted, Connectees in a qualifying job: community, in its quarter."""
    assert submission.status == "accepted", submission.reason
    effective = history.check([submission]).effective
    hist = history.build_history(effective)
    people = identity.resolve_connectors(hist.connectors).people
    counts = counting.count(
        hist.connectees,
        hist.connectors,
        hist.introductions,
        hist.jobs,
        people[["community_code", "connector_id", "person_id"]],
        submission.period.last_day,
    )
    events = counts.events[counts.events["scope"] == "community"]
    in_quarter = [
        Period.containing(pd.Timestamp(day).date()) == submission.period
        for day in events["event_date"]
    ]
    events = events[in_quarter]
    return tuple(int((events["measure"] == m).sum()) for m in ("connectees", "connectors", "jobs"))


def _problems(submission) -> set[tuple[str, str, str, str]]:
    return {(i.sheet, i.cell, i.severity, i.code) for i in submission.issues}


def test_the_clean_submission_counts_3_2_1(tmp_path, registry):
    submission = validate_workbook(_workbook(tmp_path / "clean.xlsx"), registry)
    assert not submission.issues
    assert figures(submission) == (3, 2, 1)


# --- Excel error values -------------------------------------------------------------------


def test_error_values_in_optional_columns_are_row_errors(tmp_path, registry):
    """#N/A in Jobs!D (Job NOC) and Connectees!N (Withdrawn): row errors quoting it, never blanks."""
    rows = _rows()
    rows["jobs"].append(
        job("E3", **{"Job title": "Food counter attendant", "Start date": dt.date(2025, 3, 10)})
    )
    path = _edit(
        _workbook(tmp_path / "na.xlsx", **rows),
        {
            PARTS["jobs"]: _cell_as("D3", _error_cell("D3")),
            PARTS["connectees"]: _cell_as("N4", _error_cell("N4")),
        },
    )
    submission = validate_workbook(path, registry)
    assert _problems(submission) == {
        ("Connectees", "N4", "error", "excel_error"),
        ("Jobs", "D3", "error", "excel_error"),
        # E3's row is rejected: its introduction names an ID whose own row has errors.
        ("Introductions", "A4", "warning", "id_in_rejected_row"),
    }
    noc = next(i for i in submission.issues if i.cell == "D3")
    assert noc.value == "#N/A" and noc.column == "Job NOC"
    assert (
        noc.message
        == "Job NOC holds the Excel error value '#N/A' (a formula that failed), not a value."
    )
    assert noc.fix.startswith(
        "Correct the formula or what it looks up (#N/A: the lookup found nothing)"
    )
    assert figures(submission) == (2, 2, 1)  # read as blanks: 3/2/2 (the food-counter job counted)


@pytest.mark.parametrize("error", EXCEL_ERRORS)
def test_every_error_value_in_any_column(tmp_path, registry, error):
    """Each error literal, in a required text column, an ID, a date and a Yes/No: one excel_error each."""
    path = _edit(
        _workbook(tmp_path / "errors.xlsx"),
        {
            PARTS["connectees"]: lambda x: _cell_as("B2", _error_cell("B2", error))(
                _cell_as("K3", _error_cell("K3", error))(x)
            ),
            PARTS["connectors"]: _cell_as("A3", _error_cell("A3", error)),
            PARTS["jobs"]: _cell_as("G2", _error_cell("G2", error)),
        },
    )
    submission = validate_workbook(path, registry)
    assert _problems(submission) == {
        ("Connectees", "B2", "error", "excel_error"),
        ("Connectees", "K3", "error", "excel_error"),
        ("Connectors", "A3", "error", "excel_error"),
        ("Jobs", "G2", "error", "excel_error"),
        ("Introductions", "A2", "warning", "id_in_rejected_row"),
        ("Introductions", "A3", "warning", "id_in_rejected_row"),
        ("Introductions", "B3", "warning", "id_not_in_workbook"),
    }
    assert {i.value for i in submission.errors} == {error}
    assert all(f"'{error}'" in i.message for i in submission.errors)
    assert list(submission.rows["connectees"]["connectee_id"]) == ["E3"]


def test_error_value_in_french(tmp_path, registry):
    path = _edit(
        write_workbook(
            tmp_path / "fr.xlsx",
            lang="fr",
            **_rows(),
            submission=submission_rows(quarter=QUARTER, lang="fr"),
        ),
        {PARTS["jobs"]: _cell_as("D2", _error_cell("D2", "#REF!"))},
    )
    (issue,) = validate_workbook(path, registry).errors
    assert (issue.cell, issue.code, issue.column) == ("D2", "excel_error", "CNP emploi")
    assert (
        issue.message
        == "CNP emploi contient la valeur d'erreur Excel « #REF! » (une formule qui a échoué), pas une valeur."
    )


@pytest.mark.parametrize(
    "ref, label",
    [
        ("B2", "Community code"),
        ("B3", "Reporting quarter"),
        ("B4", "Submitted on"),
        ("B7", "Tracks jobs"),
    ],
)
def test_error_value_in_a_required_submission_field_rejects_the_file(
    tmp_path, registry, ref, label
):
    path = _edit(
        _workbook(tmp_path / "sub.xlsx"), {PARTS["submission"]: _cell_as(ref, _error_cell(ref))}
    )
    submission = validate_workbook(path, registry)
    assert submission.status == "rejected"
    assert submission.issues[0].code == "submission_excel_error"
    assert submission.reason == (
        f"{label} in Submission!{ref} holds the Excel error value '#N/A' (a formula that "
        f"failed), not a value: type the {label} itself and save again."
    )


def test_error_value_in_an_optional_submission_field_is_a_row_error(tmp_path, registry):
    path = _edit(
        _workbook(tmp_path / "sub.xlsx"),
        {PARTS["submission"]: _cell_as("B6", _error_cell("B6", "#NAME?"))},
    )
    submission = validate_workbook(path, registry)
    assert submission.status == "accepted"
    assert _problems(submission) == {("Submission", "B6", "error", "excel_error")}
    assert "'#NAME?'" in submission.errors[0].message
    assert figures(submission) == (3, 2, 1)


def test_error_cells_found_however_the_tag_is_written(tmp_path):
    """t='e' in single quotes, spaces around '=', a cell without r: placed as calamine places it."""
    path = _edit(
        _workbook(tmp_path / "odd.xlsx"),
        {
            PARTS["jobs"]: lambda x: _cell_as("D2", "<c r='D2' t = 'e'><v>#DIV/0!</v></c>")(
                x
            ).replace(b'<c r="E2"', b"<c")
        },
    )
    book = read.read_workbook(path)
    assert book.sheets["jobs"].values["job_noc"] == [ExcelError("#DIV/0!")]
    assert book.sheets["jobs"].errors and not book.sheets["connectees"].errors


# --- The 1904 date system ------------------------------------------------------------------

DAYS_1904 = dt.date(1904, 1, 1)


def _serial_1904(day: dt.date) -> int:
    return (day - DAYS_1904).days


def test_1904_serials_read_on_the_workbooks_epoch(tmp_path, registry):
    """Date columns holding plain numbers in a date1904 workbook: read from 1904-01-01, figures 3/2/1."""
    rows = _rows()
    for sheet in rows.values():
        for row in sheet:
            for header, value in row.items():
                if isinstance(value, dt.date):
                    row[header] = _serial_1904(value)
    path = _edit(
        _workbook(tmp_path / "mac.xlsx", **rows),
        {
            "xl/workbook.xml": lambda x: re.sub(
                rb"<workbookPr\b[^>]*>", b"<workbookPr date1904='1'/>", x
            )
        },
    )
    book = read.read_workbook(path)
    assert book.date1904
    submission = validate_workbook(path, registry)
    assert not submission.issues
    assert submission.rows["introductions"]["introduction_date"].tolist() == [
        pd.Timestamp("2025-01-20"),
        pd.Timestamp("2025-02-03"),
        pd.Timestamp("2025-02-10"),
    ]
    assert figures(submission) == (3, 2, 1)


def test_1904_date_cells_and_serials_agree(tmp_path, registry):
    """openpyxl on the Mac epoch writes typed date cells as 1904 serials: calamine converts them itself."""
    wb_path = _workbook(tmp_path / "typed.xlsx")
    wb = openpyxl.load_workbook(wb_path)
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb["Jobs"]["E2"] = _serial_1904(dt.date(2025, 3, 1))  # a serial beside typed date cells
    wb.save(wb_path)
    submission = validate_workbook(wb_path, registry)
    assert read.read_workbook(wb_path).date1904 and not submission.issues
    assert submission.submitted_on == dt.date(2025, 4, 15)
    assert submission.rows["jobs"]["start_date"].tolist() == [pd.Timestamp("2025-03-01")]
    assert figures(submission) == (3, 2, 1)


@pytest.mark.parametrize(
    "tag, expected",
    [
        (b'<workbookPr date1904="1"/>', True),
        (b"<workbookPr date1904='true' />", True),
        (b'<x:workbookPr date1904 = "1"/>', True),
        (b'<workbookPr date1904="0"/>', False),
        (b'<workbookPr date1904="false"/>', False),
        (b"<workbookPr/>", False),
        (b"", False),
    ],
)
def test_date_system_read_from_workbook_pr(tag, expected):
    assert read._date1904(b"<workbook>" + tag + b"<sheets/></workbook>") is expected


def test_parse_date_on_the_1904_system():
    assert parse_date(0, date1904=True) == dt.date(1904, 1, 1)
    assert parse_date(44842, date1904=True) == dt.date(2026, 10, 9)
    assert parse_date(44842, date1904=False) == dt.date(2022, 10, 8)
    assert parse_date(-3, date1904=True).__class__.__name__ == "_Invalid"
    assert parse_date(dt.datetime(2025, 1, 2, 9, 30), date1904=True) == dt.date(2025, 1, 2)


# --- UTF-16 parts ---------------------------------------------------------------------------


def _utf16(xml: bytes, bom: bool = True) -> bytes:
    text = xml.decode("utf-8")
    if not text.startswith("<?xml"):
        text = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text
    text = re.sub(r'encoding="[^"]*"', 'encoding="UTF-16"', text, count=1)
    return text.encode("utf-16" if bom else "utf-16-le")


@pytest.mark.parametrize("bom", [True, False], ids=["with-bom", "without-bom"])
def test_utf16_parts_read_like_any_workbook(tmp_path, registry, bom):
    path = _workbook(tmp_path / "utf16.xlsx")
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.endswith((".xml", ".rels"))]
    _edit(path, {name: lambda x: _utf16(x, bom) for name in names})
    submission = validate_workbook(path, registry)
    assert submission.status == "accepted", submission.reason
    assert not submission.issues
    assert figures(submission) == (3, 2, 1)


def test_utf16_part_with_a_doctype_is_still_refused(tmp_path, registry):
    doctype = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    path = _edit(
        _workbook(tmp_path / "xxe.xlsx"),
        {
            "xl/workbook.xml": lambda x: (
                _utf16(x).decode("utf-16").replace("?>", "?>" + doctype, 1).encode("utf-16")
            )
        },
    )
    submission = validate_workbook(path, registry)
    assert submission.status == "rejected" and submission.issues[0].code == "unsafe_xml"


# --- An empty optional sheet ------------------------------------------------------------------


def _empty_jobs(path: Path) -> Path:
    return _edit(
        path,
        {
            PARTS["jobs"]: lambda x: re.sub(
                rb"<sheetData>.*</sheetData>|<sheetData\s*/>", b"<sheetData/>", x, flags=re.S
            )
        },
    )


def test_empty_jobs_sheet_counts_as_absent(tmp_path, registry):
    path = _empty_jobs(
        _workbook(
            tmp_path / "empty.xlsx", submission=submission_rows(quarter=QUARTER, tracks_jobs="No")
        )
    )
    book = read.read_workbook(path)
    assert "jobs" not in book.sheets and book.empty_sheets == {"jobs": "Jobs"}
    submission = validate_workbook(path, registry)
    assert not submission.issues
    assert figures(submission) == (3, 2, 0)


def test_empty_jobs_sheet_with_tracks_jobs_yes_is_a_warning(tmp_path, registry):
    path = _empty_jobs(_workbook(tmp_path / "empty.xlsx"))
    submission = validate_workbook(path, registry)
    assert submission.status == "accepted"
    assert _problems(submission) == {("Submission", "B7", "warning", "jobs_sheet_empty")}
    (warning,) = submission.warnings
    assert warning.message == (
        "Tracks jobs is Yes, but the Jobs sheet is empty or missing: "
        "no job is counted for this quarter."
    )
    assert figures(submission) == (3, 2, 0)


def test_blank_cells_only_count_as_empty_but_headers_without_columns_do_not(tmp_path, registry):
    """Formatted blank cells are nothing; a Jobs sheet with data but missing columns is still refused."""
    formatted = _edit(
        _workbook(tmp_path / "formatted.xlsx"),
        {
            PARTS["jobs"]: lambda x: re.sub(
                rb"<sheetData>.*</sheetData>",
                b'<sheetData><row r="1"><c r="A1" s="0"/><c r="B1" t="str"><f>""</f>'
                b"<v></v></c></row></sheetData>",
                x,
                flags=re.S,
            )
        },
    )
    assert "jobs" in read.read_workbook(formatted).empty_sheets
    broken = _workbook(tmp_path / "broken.xlsx", headers={"jobs": ["Connectee ID", "Employer"]})
    submission = validate_workbook(broken, registry)
    assert submission.status == "rejected" and submission.issues[0].code == "missing_column"


# --- A formula filled down to the last row ----------------------------------------------------

# Peak memory from /proc (it sees calamine's Rust allocations; ru_maxrss would carry pytest's own over exec).
CHILD = """
import json, sys, time
from connector_rollup.registry import load_registry
from connector_rollup.intake.validate import validate_workbook

def status_mb(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024

registry = load_registry()
with open("/proc/self/clear_refs", "w") as refs:  # reset the high-water mark: the validation's own peak
    refs.write("5")
start = time.perf_counter()
s = validate_workbook(sys.argv[1], registry)
print(json.dumps({"status": s.status, "reason": s.reason, "rows": {k: len(v) for k, v in s.rows.items()},
                  "seconds": time.perf_counter() - start, "peak_mb": status_mb("VmHWM")}))
"""


def _filled_down(path: Path, last_row: int = 1_048_576) -> Path:
    """Connectees with a helper column O whose shared formula returns "" down to ``last_row``."""

    def change(sheet: bytes) -> bytes:
        head, tail = sheet.split(b"</sheetData>")
        head = head.replace(
            b'<c r="N1"', b'<c r="O1" t="inlineStr"><is><t>Full name</t></is></c><c r="N1"', 1
        )
        master = (
            b'<c r="O2" t="str"><f t="shared" ref="O2:O%d" si="0">IF(A2="","",B2&amp;" "&amp;C2)</f>'
            b"<v>Ana Silva</v></c>" % last_row
        )
        head = head.replace(b"</row>", master + b"</row>", 2).replace(
            master + b"</row>", b"</row>", 1
        )
        body = b"".join(
            b'<row r="%d"><c r="O%d" t="str"><f t="shared" si="0"/><v></v></c></row>' % (n, n)
            for n in range(5, last_row + 1)
        )
        return head + body + b"</sheetData>" + tail

    return _edit(path, {PARTS["connectees"]: change})


@pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="measures memory from Linux's /proc"
)
def test_formula_filled_down_to_the_last_row_is_blank(tmp_path, registry):
    """Accepted with 3/2/1, in seconds and bounded memory (calamine alone would allocate ~550 MB)."""
    path = _filled_down(_workbook(tmp_path / "filled.xlsx"))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["status"] == "accepted", measured
    assert measured["rows"]["connectees"] == 3
    assert measured["seconds"] < 15 and measured["peak_mb"] < 300, measured
    submission = validate_workbook(path, registry)
    assert _problems(submission) == {("Connectees", "O1", "warning", "unknown_column")}
    assert figures(submission) == (3, 2, 1)


def test_values_far_away_are_still_too_large(tmp_path, registry):
    """The same fill-down holding a value in its last cell: refused as before."""
    path = _filled_down(_workbook(tmp_path / "far.xlsx"), last_row=300_000)
    _edit(
        path,
        {
            PARTS["connectees"]: lambda x: x.replace(
                b'<c r="O300000" t="str"><f t="shared" si="0"/><v></v></c>',
                b'<c r="O300000" t="str"><f t="shared" si="0"/><v>x</v></c>',
            )
        },
    )
    submission = validate_workbook(path, registry)
    assert submission.status == "rejected" and submission.issues[0].code == "sheet_too_large"
    assert "O300000" in submission.reason


# --- Merged cells ---------------------------------------------------------------------------


def test_merged_id_is_a_required_error_naming_the_range(tmp_path, registry):
    path = _edit(
        _workbook(tmp_path / "merged.xlsx"),
        {
            PARTS["introductions"]: lambda x: _cell_as("A3", '<c r="A3"/>')(x).replace(
                b"</sheetData>",
                b'</sheetData><mergeCells count="1"><mergeCell ref="A2:A3"/></mergeCells>',
            )
        },
    )
    book = read.read_workbook(path)
    assert book.sheets["introductions"].merged == ["A2:A3"]
    submission = validate_workbook(path, registry)
    assert _problems(submission) == {("Introductions", "A3", "error", "required")}
    (issue,) = submission.errors
    assert issue.merged_range == "A2:A3"
    assert issue.message == (
        "Connectee ID is required but the cell is empty. The cell is part of the merged "
        "range A2:A3, whose value only its first cell (A2) holds."
    )
    assert "Unmerge" in issue.fix
    assert figures(submission) == (2, 1, 1)  # E2's introduction, C2's only one, is left out
    problem, _ = cell_message("merged_cell", "fr", range="A2:A3", first="A2")
    assert "plage fusionnée A2:A3" in problem


# --- Files from other applications -------------------------------------------------------------


def test_other_applications_files_have_their_own_codes():
    for code in (
        "ods_file",
        "numbers_file",
        "csv_file",
        "excel_error",
        "submission_excel_error",
        "jobs_sheet_empty",
    ):
        assert code in CODE_MEANINGS
    for code in ("ods_file", "csv_file", "old_xls"):
        english, french = FILE_MESSAGES[code]
        assert "File > Save As > Excel Workbook (.xlsx)" in english
        assert "File > Save As > Excel 2007-365 (.xlsx)" in english
        assert "Fichier > Enregistrer sous" in french
    assert "File > Export To > Excel" in FILE_MESSAGES["numbers_file"][0]


def test_ods_read_from_bytes_named_as_such(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(read.FileRejected) as rejected:
        read.read_workbook(tmp_path / "roster.ods", out.getvalue())
    assert rejected.value.code == "ods_file"


# --- The case files ------------------------------------------------------------------------------

CASE_EXIT_CODES = {
    "error_cells_NA_in_optional_columns.xlsx": 1,
    "date1904_dates_as_general_serials.xlsx": 0,
    "xml_parts_utf16.xlsx": 0,
    "empty_jobs_sheet_tracks_jobs_no.xlsx": 0,
    "formula_filled_down_whole_column.xlsx": 0,
    "merged_cells_connectee_id_A2_A3.xlsx": 1,
    "strict_open_xml.xlsx": 0,
}


@pytest.mark.skipif(not CASES.is_dir(), reason="no shared case files here")
@pytest.mark.parametrize("name", sorted(CASE_EXIT_CODES))
def test_case_files_give_their_readme_result(name):
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "connector-rollup"), "validate", str(CASES / name)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == CASE_EXIT_CODES[name], done.stdout[-3000:]


def test_1904_submitted_on_serial_read_on_the_workbooks_epoch(tmp_path, registry):
    """Submitted on typed as a plain number in a date1904 workbook: the workbook's epoch, not 1900's."""
    path = _workbook(
        tmp_path / "mac.xlsx",
        submission=submission_rows(
            quarter=QUARTER, submitted_on=_serial_1904(dt.date(2025, 4, 15))
        ),
    )
    _edit(
        path,
        {
            "xl/workbook.xml": lambda x: re.sub(
                rb"<workbookPr\b[^>]*>", b"<workbookPr date1904='1'/>", x
            )
        },
    )
    submission = validate_workbook(path, registry)
    assert submission.status == "accepted"
    assert submission.submitted_on == dt.date(2025, 4, 15)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_rejected_workbook_keeps_what_its_submission_sheet_says(tmp_path, registry, lang):
    """A missing Introductions sheet rejects the file, but its community, quarter and date are still read."""
    path = write_workbook(
        tmp_path / "no-intros.xlsx",
        **{**_rows(), "introductions": ()},
        submission=submission_rows(quarter=QUARTER, lang=lang),
        lang=lang,
        drop_sheets=("introductions",),
    )
    submission = validate_workbook(path, registry)
    assert submission.status == "rejected"
    assert [i.code for i in submission.issues] == ["missing_sheet"]
    assert (submission.community_code, str(submission.period), submission.submitted_on) == (
        "NS-HFX",
        QUARTER,
        dt.date(2025, 4, 15),
    )
    assert (
        submission.issues[0].community_code == "NS-HFX" and submission.issues[0].period == QUARTER
    )
    from connector_rollup.intake.feedback import format_text

    text = format_text(submission)
    assert "NS-HFX" in text and QUARTER in text and "2025-04-15" in text and "None" not in text


def test_a_rejected_workbook_of_an_unknown_community_is_not_attributed(tmp_path, registry):
    path = _workbook(
        tmp_path / "pilot.xlsx", submission=submission_rows(community="XX-PILOT", quarter=QUARTER)
    )
    submission = validate_workbook(path, registry)
    assert (submission.status, submission.issues[0].code) == ("rejected", "unknown_community")
    assert submission.community_code is None
    assert str(submission.period) == QUARTER  # still named by its quarter


def test_an_id_whose_own_row_has_errors_is_named_as_such(tmp_path, registry):
    """C-003's Connectees row holds #N/A: the introduction naming it says so, not 'not defined'."""
    path = _edit(
        _workbook(tmp_path / "na.xlsx"), {PARTS["connectees"]: _cell_as("N4", _error_cell("N4"))}
    )
    submission = validate_workbook(path, registry)
    intro = [i for i in submission.issues if i.sheet == "Introductions"]
    assert [(i.cell, i.severity, i.code) for i in intro] == [
        ("A4", "warning", "id_in_rejected_row")
    ]
    assert intro[0].message.startswith(
        "The ID E3 is in this workbook's Connectees sheet (row 4), but that row has errors"
    )
    # the roll-up, with no other submission holding E3, makes it an error that keeps saying why
    [resolved] = history.resolve_references([submission])
    intro = [i for i in resolved.issues if i.sheet == "Introductions"]
    assert [(i.cell, i.severity, i.code) for i in intro] == [("A4", "error", "id_in_rejected_row")]
    assert "row 4" in intro[0].message


def test_messages_quote_template_headers_without_the_required_mark(tmp_path, registry):
    """The template marks required columns 'Category *': messages say 'Category'."""
    rows = _rows()
    rows["connectees"][0]["Category"] = "Astronaut"
    for row in rows["connectees"]:
        row["Category *"] = row.pop("Category")
    submission = validate_workbook(_workbook(tmp_path / "t.xlsx", **rows), registry)
    [issue] = [i for i in submission.issues if i.code == "bad_choice"]
    assert issue.column == "Category" and "choices for Category." in issue.message
