"""``connector-rollup validate``: its exit status, its report, its annotated copy, and ``--raw``."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from builders import connectee, connector, introduction, job, submission_rows, write_workbook
from click.testing import CliRunner

from connector_rollup.cli import main


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, ["validate", *map(str, args)], catch_exceptions=False)

    return invoke


def _book(path, **changes):
    book = dict(
        connectees=[connectee("E1"), connectee("E2")],
        connectors=[connector("C1")],
        introductions=[introduction("E1", "C1")],
        jobs=[job("E1")],
    )
    book.update(changes)
    return write_workbook(path, **book)


def test_clean_workbook_exits_0(run, tmp_path):
    result = run(_book(tmp_path / "ok.xlsx"))
    assert result.exit_code == 0, result.output
    assert "No problems found" in result.output
    assert "Rows read: 5; rows rejected: 0." in result.output


def test_warnings_only_exit_0(run, tmp_path):
    result = run(_book(tmp_path / "w.xlsx", introductions=[introduction("E1", "C9")]))
    assert result.exit_code == 0, result.output
    assert "id_not_in_workbook" in result.output and "Please read the warnings" in result.output


def test_row_errors_exit_1(run, tmp_path):
    result = run(
        _book(tmp_path / "err.xlsx", connectees=[connectee("E1"), connectee("E2", Email="nope")])
    )
    assert result.exit_code == 1, result.output
    assert "D3      error         bad_email: 'nope' is not a valid email address." in result.output


def test_rejected_file_exits_2(run, tmp_path):
    result = run(_book(tmp_path / "rej.xlsx", submission=submission_rows(community="ZZ-TOP")))
    assert result.exit_code == 2
    assert "The community code 'ZZ-TOP' in Submission!B2 is not in the registry" in result.output


def test_missing_path_exits_2(run, tmp_path):
    result = run(tmp_path / "nowhere.xlsx")
    assert result.exit_code == 2
    assert "There is no file" in result.output


def test_report_writes_markdown(run, tmp_path):
    report = tmp_path / "out" / "feedback.md"
    result = run(
        _book(
            tmp_path / "err.xlsx", connectees=[connectee("E1"), connectee("E2", Accepted="perhaps")]
        ),
        "--report",
        report,
    )
    assert result.exit_code == 1
    md = report.read_text(encoding="utf-8")
    assert md.startswith("# Validation of err.xlsx")
    assert "| L3 | Accepted | error | `bad_yes_no` | perhaps |" in md
    assert f"Feedback written to {report}" in result.output


def test_report_of_a_rejected_file(run, tmp_path):
    report = tmp_path / "feedback.md"
    result = run(
        _book(tmp_path / "rej.xlsx", submission=submission_rows(quarter="last one")),
        "--report",
        report,
        "--annotated",
        tmp_path / "copy.xlsx",
    )
    assert result.exit_code == 2
    assert "The reporting quarter 'last one' in Submission!B3 cannot be read" in report.read_text(
        encoding="utf-8"
    )
    assert not (tmp_path / "copy.xlsx").exists()
    assert "No annotated copy" in result.output


def test_annotated_writes_the_marked_copy(run, tmp_path):
    source = _book(
        tmp_path / "err.xlsx", connectees=[connectee("E1"), connectee("E2", Category="Alien")]
    )
    out = tmp_path / "checked" / "annotated.xlsx"
    result = run(source, "--annotated", out)
    assert result.exit_code == 1
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Problems"
    assert wb["Problems"]["B2"].hyperlink.location == "'Connectees'!F3"
    assert "'Alien' is not one of the choices" in wb["Connectees"]["F3"].comment.text
    assert openpyxl.load_workbook(source).sheetnames[0] == "Submission"  # the original is untouched


# What a cell can hold (XML 1.0 allows C1 controls, CR and bidi overrides; ESC itself is
# tested on the renderings in test_feedback.py): an 8-bit OSC-8 hidden link and CSI colour.
OSC8 = "\x9d8;;http://evil\x9cclick\x9d8;;\x9c\x9b31m"
HOSTILE = {
    "Category": "<script>alert(1)</script>",
    "Official language": "![x](http://remote/x.png)",
    "Accepted": OSC8,
    "Withdrawn": "ab\u202edc\r\x85x",
}


def test_console_and_markdown_show_what_a_community_typed_as_text(run, tmp_path):
    """Issue 7 item 8: control sequences, bidi overrides, HTML and Markdown reach no terminal or viewer."""
    report = tmp_path / "feedback.md"
    source = _book(tmp_path / "evil.xlsx", connectees=[connectee("E1"), connectee("E2", **HOSTILE)])
    result = run(source, "--report", report, "--annotated", tmp_path / "copy.xlsx")
    assert result.exit_code == 1, result.output
    for raw in ("\x9d", "\x9b", "\r", "\u202e", "\x85"):
        assert raw not in result.output
    assert "\\x9d8;;http://evil\\x9cclick" in result.output
    assert "ab\\u202edc\\x0a\\x85x" in result.output  # XML reads a CR as LF
    assert (
        "<script>alert(1)</script>" in result.output
    )  # plain text in a terminal: harmless, shown as typed

    md = report.read_text(encoding="utf-8")
    for raw in ("\x9d", "\x9b", "\r", "\u202e", "<script>", "![x]("):
        assert raw not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md and "!\\[x\\](http://remote/x.png)" in md
    assert "\\x9d8;;http://evil\\x9cclick" in md
    rows = [
        line
        for line in md.splitlines()
        if line.startswith("| ") and "E2" not in line and "3 |" in line
    ]
    assert rows and all(
        line.count(" | ") == 6 for line in rows
    )  # seven cells: nothing typed splits a table

    problems = openpyxl.load_workbook(tmp_path / "copy.xlsx")["Problems"]
    values = [c.value for c in problems["G"]]
    assert (
        "<script>alert(1)</script>" in values
        and "\\x9d8;;http://evil\\x9cclick\\x9d8;;\\x9c\\x9b31m" in values
    )


def test_french_workbook_feedback_is_french(run, tmp_path):
    fr = {
        "Category": "Nouvel arrivant",
        "Official language": "Français",
        "Accepted": "Oui",
        "Withdrawn": "Non",
    }
    path = write_workbook(
        tmp_path / "fr.xlsx",
        lang="fr",
        connectees=[connectee("E1", **fr), connectee("E2", **{**fr, "Accepted": "Peut-être"})],
        connectors=[connector("C1", **{"Toolkit received": "Oui"})],
        introductions=[introduction("E1", "C1")],
    )
    result = run(path)
    assert result.exit_code == 1
    assert (
        "Feuille Connectés" in result.output
        and "« Peut-être » n'est ni Oui ni Non." in result.output
    )


def _earlier(raw, name="q3.xlsx", **changes):
    """NS-HFX's Q3 submission in ``raw``: it defines Connectee E7 and Connector C7."""
    raw.mkdir(exist_ok=True)
    book = dict(
        submission=submission_rows(quarter="2024-25-Q3", submitted_on=dt.date(2025, 1, 10)),
        connectees=[
            connectee(
                "E7",
                **{
                    "Application date": dt.date(2024, 11, 1),
                    "Intake meeting date": dt.date(2024, 11, 9),
                },
            )
        ],
        connectors=[connector("C7")],
        introductions=[],
        jobs=[],
    )
    book.update(changes)
    return write_workbook(raw / name, **book)


def test_raw_resolves_an_id_defined_in_an_earlier_submission(run, tmp_path):
    raw = tmp_path / "raw"
    _earlier(raw)
    path = _book(tmp_path / "q4.xlsx", introductions=[introduction("E7", "C7")], jobs=[job("E7")])
    alone = run(path)
    assert alone.exit_code == 0 and alone.output.count("id_not_in_workbook:") == 3
    result = run(path, "--raw", raw)
    assert result.exit_code == 0, result.output
    assert "id_not_in_workbook" not in result.output and "No problems found" in result.output


def test_raw_turns_an_undefined_id_into_an_error(run, tmp_path):
    raw = tmp_path / "raw"
    _earlier(raw)
    _earlier(
        raw,
        "other_community.xlsx",
        submission=submission_rows(
            community="NS-CBRT", quarter="2024-25-Q3", submitted_on=dt.date(2025, 1, 10)
        ),
        connectees=[connectee("E8")],
    )
    path = _book(
        raw / "q4.xlsx", introductions=[introduction("E7", "C7"), introduction("E8", "C7")]
    )
    result = run(path, "--raw", raw, "--report", tmp_path / "r.md")
    assert result.exit_code == 1, result.output
    assert "A3      error         unknown_connectee: No Connectee has the ID E8" in result.output
    assert "Rows read: 6; rows rejected: 1." in result.output
    assert "id_not_in_workbook" not in result.output  # E7 resolved by the earlier quarter
    assert "`unknown_connectee`" in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_help_has_an_example():
    result = CliRunner().invoke(main, ["validate", "--help"])
    assert result.exit_code == 0 and "Example: connector-rollup validate" in result.output
    for option in ("--communities", "--raw", "--report", "--annotated"):
        assert option in result.output
