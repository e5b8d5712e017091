"""The annotated copy of workbooks as real applications write them (cases/workbooks/README.md).

Each kind is built in code. The issues are made by hand (``_submission``):
what is tested here is the copy, whatever the reader finds. Every copy is
opened with openpyxl and checked: every original sheet kept with its values,
problem cells filled and commented, the Problems sheet errors first, in the
workbook's language.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from builders import connectee, connector, introduction, job, write_workbook
from click.testing import CliRunner

from connector_rollup.cli import main
from connector_rollup.intake import feedback
from connector_rollup.intake.validate import ERROR, WARNING, Issue, Submission
from connector_rollup.messages import code_meaning

RED, YELLOW = "FFC7CE", "FFEB9C"


def _issue(sheet, cell, code="required", severity=ERROR, value="", message="Fix me.", fix="Do it."):
    row = int(re.sub(r"[A-Z]", "", cell)) if cell else None
    return Issue(
        file_name="b.xlsx",
        sheet=sheet,
        row=row,
        column="Col",
        cell=cell,
        severity=severity,
        code=code,
        value=value,
        message=message,
        fix=fix,
    )


def _submission(*issues, lang="en"):
    return Submission(
        file_name="b.xlsx", sha256="0" * 64, status="accepted", language=lang, issues=list(issues)
    )


def _book(path: Path, **changes) -> Path:
    book = dict(
        connectees=[connectee("E1"), connectee("E2")],
        connectors=[connector("C1")],
        introductions=[introduction("E1", "C1"), introduction("E2", "C1")],
        jobs=[job("E1")],
    )
    book.update(changes)
    return write_workbook(path, **book)


def _values(book) -> dict[str, list[tuple]]:
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def _check_copy(original: Path | io.BytesIO, out: Path, problems="Problems") -> openpyxl.Workbook:
    """The copy holds the Problems sheet first, then every original sheet with the same values."""
    before = _values(openpyxl.load_workbook(original))
    copy = openpyxl.load_workbook(out)
    assert copy.sheetnames == [problems, *before]
    after = _values(copy)
    for name, rows in before.items():
        assert after[name] == rows, name
    return copy


def _rezip(path: Path, change) -> Path:
    """Rewrite every XML part of ``path`` with ``change(name, bytes) -> bytes``, in place."""
    with zipfile.ZipFile(path) as z:
        parts = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, change(name, data) if name.endswith((".xml", ".rels")) else data)
    return path


# --- Merged ranges ------------------------------------------------------------------------


def test_a_problem_inside_a_merged_range_is_marked_on_its_top_left_cell(tmp_path):
    """merged_cells_connectee_id_A2_A3: the Connectee ID merged down over A2:A3."""
    path = _book(tmp_path / "merged.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Introductions"]["A3"] = None
    wb["Introductions"].merge_cells("A2:A3")
    wb["Connectees"].merge_cells("I2:J2")  # a range with no problem in it
    wb["Submission"].merge_cells("C1:E3")  # and one over blank cells
    wb.save(path)
    s = _submission(
        _issue("Introductions", "A3", message="Connectee ID is required but the cell is empty."),
        _issue("Connectees", "D2", code="bad_email", severity=WARNING),
    )
    out = feedback.write_annotated(path, s, tmp_path / "out.xlsx")

    copy = _check_copy(path, out)
    intro = copy["Introductions"]
    assert {str(r) for r in intro.merged_cells.ranges} == {"A2:A3"}
    assert intro["A2"].fill.fgColor.rgb.endswith(RED)
    assert intro["A2"].comment.text.startswith(
        "A3 (in the merged range A2:A3): error (required): Connectee ID is required"
    )
    assert {str(r) for r in copy["Connectees"].merged_cells.ranges} == {"I2:J2"}
    assert copy["Connectees"]["D2"].fill.fgColor.rgb.endswith(YELLOW)
    assert copy["Problems"]["B2"].value == "A3"  # the Problems sheet names the cell itself
    assert copy["Problems"]["B2"].hyperlink.location == "'Introductions'!A3"


def test_problems_in_several_cells_of_one_merged_range_share_its_comment_in_french(tmp_path):
    path = _book(tmp_path / "merged.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Connectees"].merge_cells("B2:C3")
    wb.save(path)
    s = _submission(
        _issue("Connectees", "C3", severity=WARNING), _issue("Connectees", "B3"), lang="fr"
    )
    copy = openpyxl.load_workbook(feedback.write_annotated(path, s, tmp_path / "out.xlsx"))
    anchor = copy["Connectees"]["B2"]
    assert anchor.fill.fgColor.rgb.endswith(RED)  # the worst of the two
    assert "C3 (dans la plage fusionnée B2:C3) : avertissement" in anchor.comment.text
    assert "B3 (dans la plage fusionnée B2:C3) : erreur" in anchor.comment.text


# --- Strict Open XML and UTF-16 parts -----------------------------------------------------

TRANSITIONAL_TO_STRICT = [
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties",
    ),
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
        b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
    ),
    (
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    ),
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/",
        b"http://purl.oclc.org/ooxml/officeDocument/",
    ),
    (
        b"http://schemas.openxmlformats.org/drawingml/2006/",
        b"http://purl.oclc.org/ooxml/drawingml/",
    ),
]


def _to_strict(name: str, xml: bytes) -> bytes:
    """A part as Excel's "Strict Open XML Spreadsheet" writes it: its namespaces under purl.oclc.org."""
    for transitional, strict in TRANSITIONAL_TO_STRICT:
        xml = xml.replace(transitional, strict)
    return (
        xml.replace(b"<workbook ", b'<workbook conformance="strict" ')
        if name == "xl/workbook.xml"
        else xml
    )


def _strict_copy(transitional: Path, path: Path) -> Path:
    path.write_bytes(transitional.read_bytes())
    return _rezip(path, _to_strict)


def test_strict_open_xml_copy_keeps_every_sheet(tmp_path):
    """strict_open_xml: openpyxl alone finds no sheet in it, and the copy held only Problems."""
    transitional = _book(tmp_path / "transitional.xlsx")
    strict = _strict_copy(transitional, tmp_path / "strict.xlsx")
    assert b"purl.oclc.org/ooxml/spreadsheetml/main" in zipfile.ZipFile(strict).read(
        "xl/worksheets/sheet2.xml"
    )
    s = _submission(_issue("Connectees", "D3", code="bad_email", value="ana@"))
    out = feedback.write_annotated(strict, s, tmp_path / "out.xlsx")
    copy = _check_copy(transitional, out)  # the same sheets and values as the transitional original
    assert copy["Connectees"]["D3"].fill.fgColor.rgb.endswith(RED)


def test_utf16_parts_copy_keeps_every_sheet(tmp_path):
    """xml_parts_utf16: every XML part in UTF-16 with its declaration, as some generators write."""
    original = _book(
        tmp_path / "utf8.xlsx",
        connectees=[connectee("E1", **{"First name": "Zoë"}), connectee("E2")],
    )

    def utf16(name, xml):
        text = xml.decode("utf-8")
        if not text.startswith("<?xml"):
            text = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text
        return re.sub(r'encoding="[^"]*"', 'encoding="UTF-16"', text, count=1).encode("utf-16")

    path = tmp_path / "utf16.xlsx"
    path.write_bytes(original.read_bytes())
    _rezip(path, utf16)
    assert zipfile.ZipFile(path).read("xl/workbook.xml").startswith(b"\xff\xfe<\x00?\x00")
    s = _submission(_issue("Connectees", "B2", severity=WARNING, value="Zoë"))
    copy = _check_copy(original, feedback.write_annotated(path, s, tmp_path / "out.xlsx"))
    assert copy["Connectees"]["B2"].value == "Zoë"


def test_big_endian_utf16_without_bom_is_transcoded():
    xml = '<?xml version="1.0" encoding="UTF-16"?><a>é</a>'.encode("utf-16-be")
    assert feedback._as_utf8(xml) == '<?xml version="1.0" encoding="UTF-8"?><a>é</a>'.encode()


# --- Formulas filled down, error values, 1904 ---------------------------------------------


def test_a_formula_filled_down_the_whole_column_is_cut_from_the_copy_after_the_data(tmp_path):
    """formula_filled_down_whole_column: a helper formula returning "" down to row 1,048,576."""
    path = _book(tmp_path / "filled.xlsx")
    sheet_xml = "xl/worksheets/sheet2.xml"  # Connectees
    tail = b"".join(
        b'<row r="%d"><c r="P%d" t="str"><f t="shared" si="0"/><v></v></c></row>' % (n, n)
        for n in range(4, 1_048_577)
    )

    def fill_down(name, xml):
        if name != sheet_xml:
            return xml
        xml = xml.replace(
            b"</row></sheetData>",
            b'<c r="P3" t="str"><f t="shared" ref="P3:P1048576" si="0">'
            b'IF(A3="","",B3)</f><v>x</v></c></row>' + tail + b"</sheetData>",
        )
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:P1048576"', xml)

    _rezip(path, fill_down)
    s = _submission(_issue("Connectees", "D2", code="bad_email"))
    out = feedback.write_annotated(path, s, tmp_path / "out.xlsx")
    copy = openpyxl.load_workbook(out)
    assert copy.sheetnames == [
        "Problems",
        "Submission",
        "Connectees",
        "Connectors",
        "Introductions",
        "Jobs",
    ]
    assert copy["Connectees"].max_row == 3
    assert copy["Connectees"]["P3"].value == '=IF(A3="","",B3)'  # the formula with a value stays
    assert copy["Connectees"]["D2"].fill.fgColor.rgb.endswith(RED)


def test_error_values_and_1904_dates_are_kept_as_they_are(tmp_path):
    """error_cells_NA_in_optional_columns and date1904: the copy changes no cell."""
    path = _book(tmp_path / "errors.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.save(path)

    def na(name, xml):  # a cached #N/A in Withdrawn (N3), as Excel saves a failed lookup
        if name != "xl/worksheets/sheet2.xml":
            return xml
        return xml.replace(
            b"</row></sheetData>",
            b'<c r="N3" t="e"><f>VLOOKUP(A3,Z:Z,1,0)</f><v>#N/A</v></c></row></sheetData>',
        )

    _rezip(path, na)
    s = _submission(_issue("Connectees", "N3", code="error_value", value="#N/A"))
    out = feedback.write_annotated(path, s, tmp_path / "out.xlsx")
    copy = _check_copy(path, out)
    assert copy.epoch == openpyxl.utils.datetime.CALENDAR_MAC_1904
    with zipfile.ZipFile(out) as z:
        assert b'date1904="1"' in z.read("xl/workbook.xml")
    assert copy["Connectees"]["N3"].fill.fgColor.rgb.endswith(RED)


# --- The Problems sheet -------------------------------------------------------------------


def test_problems_sheet_lists_errors_first_then_by_sheet_and_row_wrapped(tmp_path):
    path = _book(tmp_path / "b.xlsx")
    long = "A long explanation. " * 20
    s = _submission(
        _issue("Introductions", "B3", severity=WARNING, code="id_not_in_workbook"),
        _issue("Introductions", "A2"),
        _issue("Connectees", "D3", code="bad_email", message=long),
        _issue("Connectees", "D2", severity=WARNING, code="bad_email"),
        _issue("", "", code="missing_jobs_sheet", severity=WARNING),
    )
    copy = openpyxl.load_workbook(feedback.write_annotated(path, s, tmp_path / "out.xlsx"))
    problems = copy["Problems"]
    assert [
        (r[0], r[1], r[2]) for r in problems.iter_rows(min_row=2, max_col=3, values_only=True)
    ] == [
        ("Connectees", "D3", "error"),
        ("Introductions", "A2", "error"),
        (None, None, "warning"),
        ("Connectees", "D2", "warning"),
        ("Introductions", "B3", "warning"),
    ]
    assert problems["E2"].value == code_meaning("bad_email", "en")
    assert all(c.alignment.wrap_text for c in problems[2])
    assert problems.row_dimensions[2].height >= 15 * 6  # 400 characters in a 50-wide column
    assert problems.column_dimensions["H"].width == 50


def test_problems_sheet_in_french_gives_meanings_in_french(tmp_path):
    path = _book(tmp_path / "b.xlsx")
    s = _submission(_issue("Connectees", "D3", code="bad_email"), lang="fr")
    copy = openpyxl.load_workbook(feedback.write_annotated(path, s, tmp_path / "out.xlsx"))
    assert copy.sheetnames[0] == "Problèmes"
    row = [c.value for c in copy["Problèmes"][2]]
    assert row[:5] == ["Connectees", "D3", "erreur", "bad_email", code_meaning("bad_email", "fr")]
    assert code_meaning("bad_email", "fr") != code_meaning("bad_email", "en")


def test_a_community_sheet_named_problems_is_kept(tmp_path):
    path = write_workbook(
        tmp_path / "b.xlsx",
        connectees=[connectee("E1")],
        connectors=[connector("C1")],
        introductions=[],
        extra_sheets={"Problems": [["our own notes"]]},
    )
    copy = openpyxl.load_workbook(
        feedback.write_annotated(path, _submission(), tmp_path / "out.xlsx")
    )
    assert copy.sheetnames[0] == "Problems (2)"
    assert copy["Problems"]["A1"].value == "our own notes"


def test_echoed_values_are_text_in_the_copy(tmp_path):
    path = _book(tmp_path / "b.xlsx")
    typed = [
        '=HYPERLINK("http://evil","x")',
        "+1",
        "-1",
        "@SUM(A1)",
        "\x1b]8;;http://evil\x1b\\x",
        "a\u202eb",
    ]
    s = _submission(
        *[
            _issue("Connectees", f"B{n}", value=v, message=f"« {v} » is wrong.")
            for n, v in enumerate(typed, start=2)
        ]
    )
    out = feedback.write_annotated(path, s, tmp_path / "out.xlsx")
    problems = openpyxl.load_workbook(out)["Problems"]
    shown = [problems.cell(r, 7) for r in range(2, 2 + len(typed))]
    assert [c.value for c in shown] == [
        '=HYPERLINK("http://evil","x")',
        "+1",
        "-1",
        "@SUM(A1)",
        "\\x1b]8;;http://evil\\x1b\\x",
        "a\\u202eb",
    ]
    assert all(c.data_type == "s" for c in shown)
    assert [c.quotePrefix for c in shown] == [True, True, True, True, False, False]
    with zipfile.ZipFile(out) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    comment = openpyxl.load_workbook(out)["Connectees"]["B6"].comment.text
    assert "\x1b" not in comment and "\\x1b]8;;http://evil" in comment


# --- What the command says when no copy can be written ------------------------------------


def test_a_copy_that_cannot_be_written_is_said_plainly(tmp_path, monkeypatch):
    """No traceback: the feedback, then one sentence why there is no copy, and the validation's code.

    Without the rewrite of Strict Open XML, openpyxl finds none of its sheets:
    the check after loading is what keeps an empty copy from being written.
    """
    transitional = _book(
        tmp_path / "b.xlsx", connectees=[connectee("E1"), connectee("E2", Email="ana@")]
    )
    strict = _strict_copy(transitional, tmp_path / "strict.xlsx")
    monkeypatch.setattr(feedback, "_prepared_for_openpyxl", lambda source: source)
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(
        main, ["validate", str(strict), "--annotated", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 1, result.output
    assert "bad_email" in result.output
    assert (
        "No annotated copy was written: the copy would lack the sheet(s) Submission, Connectees, "
        "Connectors, Introductions, Jobs. The feedback above lists every problem."
    ) in result.output
    assert "Annotated copy written" not in result.output and not out.exists()


def test_an_unreadable_copy_source_is_an_error_not_a_traceback(tmp_path):
    path = _book(tmp_path / "b.xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(feedback.AnnotatedCopyError, match="could not open"):
        feedback.write_annotated(broken, _submission(), tmp_path / "out.xlsx")
    assert path.exists() and not (tmp_path / "out.xlsx").exists()
