"""Bad input: every kind of file that is not a usable submission, built in code.

Each gets status ``rejected`` with a stable code and one plain sentence, and
the CLI exits 2 without a traceback, in seconds; the decompression bombs, the
sheet-extent bombs and a million formatted blank rows are also run in a
subprocess whose peak memory (ru_maxrss) is checked, since tracemalloc does
not see calamine's Rust allocations. A million formatted blank rows after the
data validate normally.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from builders import connectee, connector, introduction, job, submission_rows, write_workbook
from click.testing import CliRunner

from connector_rollup.cli import main
from connector_rollup.intake import feedback, read
from connector_rollup.intake.feedback import write_annotated
from connector_rollup.intake.validate import validate_workbook

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 5.0  # every bad file is answered within this
PEAK_MB = 500  # and a subprocess reading it stays under this


# --- Building files -------------------------------------------------------------------


def _valid(path: Path, **overrides) -> Path:
    """A small valid workbook: 2 Connectees, 1 Connector, 1 Introduction, 1 Job."""
    args = dict(
        connectees=[connectee("E1"), connectee("E2")],
        connectors=[connector()],
        introductions=[introduction()],
        jobs=[job()],
    )
    args.update(overrides)
    return write_workbook(path, **args)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


CONNECTEES_PART = "xl/worksheets/sheet2.xml"  # builders write Submission first, then Connectees


def _deflate(data: bytes, level: int = 6) -> bytes:
    packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _zip(members: list[tuple[str, bytes, int, int]], method: int = 8) -> bytes:
    """A zip written by hand from (name, deflated bytes, CRC, declared size): sizes may lie.

    ``method`` 0 stores the bytes as given (then pass them uncompressed).
    """
    out, directory = io.BytesIO(), io.BytesIO()
    for name, compressed, crc, size in members:
        encoded = name.encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                20,
                0,
                method,
                0,
                0x21,
                crc,
                len(compressed),
                size,
                len(encoded),
                0,
            )
            + encoded
            + compressed
        )
        directory.write(
            struct.pack(
                "<4sHHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                20,
                20,
                0,
                method,
                0,
                0x21,
                crc,
                len(compressed),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    out.write(directory.getvalue())
    out.write(
        struct.pack(
            "<4sHHHHIIH",
            b"PK\x05\x06",
            0,
            0,
            len(members),
            len(members),
            len(directory.getvalue()),
            start,
            0,
        )
    )
    return out.getvalue()


def _member(name: str, content: bytes) -> tuple[str, bytes, int, int]:
    return name, _deflate(content), zlib.crc32(content), len(content)


def _rewrite(src: Path, dst: Path, changes: dict) -> Path:
    """Copy a workbook, replacing parts: ``changes`` maps a part name to new bytes or a function of the old."""
    parts = _parts(src)
    for name, change in changes.items():
        assert callable(change) is (name in parts), name  # change existing parts, add new ones
        parts[name] = change(parts[name]) if callable(change) else change
    dst.write_bytes(_zip([_member(name, content) for name, content in parts.items()]))
    return dst


def _bomb_sheet(sheet: bytes, filler_mb: int) -> bytes:
    """The sheet deflated with ``filler_mb`` MB of spaces (legal between rows) inside sheetData.

    The 1 MB block is compressed once and repeated: a deflate stream of
    blocks each ending on a full flush can be concatenated.
    """
    head, tail = sheet.split(b"</sheetData>")
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    blocker = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = blocker.compress(b" " * (1024 * 1024)) + blocker.flush(zlib.Z_FULL_FLUSH)
    return start + block * filler_mb + _deflate(b"</sheetData>" + tail, 9)


def _bomb(src: Path, dst: Path, declared: int | None) -> Path:
    """Connectees inflates to 420 MB; the zip directory says ``declared`` bytes (None: the truth)."""
    parts = _parts(src)
    members = [_member(name, content) for name, content in parts.items() if name != CONNECTEES_PART]
    filler = 420
    size = len(parts[CONNECTEES_PART]) + filler * 1024 * 1024
    members.append(
        (
            CONNECTEES_PART,
            _bomb_sheet(parts[CONNECTEES_PART], filler),
            0,
            size if declared is None else declared,
        )
    )
    dst.write_bytes(_zip(members))
    return dst


def _append_rows(sheet: bytes, rows: bytes) -> bytes:
    return sheet.replace(b"</sheetData>", rows + b"</sheetData>")


def _with_doctype(xml: bytes, doctype: bytes, padding: int = 0) -> bytes:
    """Insert a DOCTYPE after the XML declaration (if any) and ``padding`` bytes of legal prolog."""
    declaration = b""
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        declaration, xml = xml[:end], xml[end:]
    prolog = b"<!-- " + b"x" * padding + b" -->\n" if padding else b""
    return declaration + prolog + doctype + xml


LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
        for i in range(1, 10)
    )
    + b"]>"
)
EXTERNAL = b'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
SHARED_STRINGS_REL = (
    b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


def _with_shared_strings(src: Path, dst: Path, table: bytes) -> Path:
    """Add a shared-string table (and its content type and relationship) to a workbook."""
    return _rewrite(
        src,
        dst,
        {
            "[Content_Types].xml": lambda x: x.replace(b"</Types>", SHARED_STRINGS_TYPE),
            "xl/_rels/workbook.xml.rels": lambda x: x.replace(
                b"</Relationships>", SHARED_STRINGS_REL
            ),
            "xl/sharedStrings.xml": table,
        },
    )


def _ole2(*streams: str) -> bytes:
    """The start of an OLE2 compound file naming ``streams`` in its directory (UTF-16 names)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = b"".join(
        name.encode("utf-16-le") + b"\x00" * (128 - 2 * len(name)) for name in streams
    )
    return header + directory + b"\x00" * 1024


# --- Checking answers -----------------------------------------------------------------


def _one_sentence(text: str) -> bool:
    return "\n" not in text and text.endswith(".") and not re.search(r"[.!?] [A-Z]", text)


def _check_rejected(path: Path, registry, code: str) -> None:
    """Rejected with ``code`` and one sentence, by the library and by the CLI, in seconds."""
    start = time.perf_counter()
    submission = validate_workbook(path, registry)
    seconds = time.perf_counter() - start
    assert submission.status == "rejected", submission.status
    assert submission.issues[0].code == code, (submission.issues[0].code, submission.reason)
    assert _one_sentence(submission.reason), submission.reason
    assert seconds < SECONDS, seconds

    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert submission.reason in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


CHILD = """
import json, resource, sys, time
from connector_rollup.registry import load_registry
from connector_rollup.intake.validate import validate_workbook

def status_mb(field):  # from /proc/self/status (Linux); None elsewhere
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024
    except (OSError, StopIteration):
        return None

registry = load_registry()
before = status_mb("VmRSS")
try:  # reset the high-water mark, so the peak is the validation's own (Linux 4.0+)
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
except OSError:
    pass
start = time.perf_counter()
s = validate_workbook(sys.argv[1], registry)
seconds = time.perf_counter() - start
peak = status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"status": s.status, "code": s.issues[0].code if s.status == "rejected" else None,
                  "rows": {k: len(v) for k, v in s.rows.items()}, "seconds": seconds,
                  "before_mb": before or 0, "peak_mb": peak}))
"""


def _in_subprocess(path: Path) -> dict:
    """Validate in a fresh interpreter: its answer, time and peak RSS (which sees Rust allocations)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[
        -2000:
    ]  # calamine aborts the process on a failed allocation
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["peak_mb"] < PEAK_MB, measured
    assert measured["seconds"] < SECONDS, measured
    return measured


# --- Files that are not workbooks -----------------------------------------------------


def _not_workbooks(tmp: Path):
    valid = _valid(tmp / "valid.xlsx")
    data = valid.read_bytes()
    cases = {
        "empty.xlsx": (b"", "empty_file"),
        "blank.xlsx": (b"  \r\n\t \n", "empty_file"),
        "binary.xlsx": (bytes(range(256)) * 40, "not_xlsx"),
        "report.pdf.xlsx": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "not_xlsx"),
        "export.csv.xlsx": (b"Connectee ID,First name\nE1,Ana\n", "not_xlsx_text"),
        "pk-text.xlsx": (b"PK,Name\n1,Ana\n", "not_xlsx_text"),
        "unicode.txt.xlsx": ("Connectee ID\tFirst name\n".encode("utf-16"), "not_xlsx_text"),
        "page.xls": (
            b"\xef\xbb\xbf<!DOCTYPE html>\n<html><body><table></table></body></html>",
            "not_xlsx_html",
        ),
        "excel-html.xls": (
            b'<html xmlns:o="urn:schemas-microsoft-com:office:office"><body>',
            "not_xlsx_html",
        ),
        "excel2003.xml.xlsx": (
            b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
            b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "not_xlsx",
        ),
        "encrypted.xlsx": (_ole2("EncryptionInfo", "EncryptedPackage"), "password_protected"),
        "old.xls": (_ole2("Workbook", "SummaryInformation"), "old_xls"),
        "truncated.xlsx": (data[: len(data) // 2], "corrupt"),
        "cut-before-directory.xlsx": (data[: data.rindex(b"PK\x01\x02")], "corrupt"),
        "docs.zip.xlsx": (_zip([_member("readme.txt", b"hello")]), "not_xlsx_zip"),
        "roster.csv": (b"Connectee ID,First name\nE1,Ana\n", "csv_file"),
        "roster.ods": (
            _zip(
                [
                    _member("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                    _member("content.xml", b"<office:document-content/>"),
                    _member("META-INF/manifest.xml", b"<manifest:manifest/>"),
                ]
            ),
            "ods_file",
        ),
        "ods-named.xlsx": (
            _zip(
                [
                    _member("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                    _member("content.xml", b"<office:document-content/>"),
                ]
            ),
            "ods_file",
        ),
        "roster.numbers": (
            _zip(
                [
                    _member("Index/Document.iwa", b"\x00\x01"),
                    _member("Metadata/Properties.plist", b"bplist00"),
                ]
            ),
            "numbers_file",
        ),
        "old-numbers.numbers": (
            _zip([_member("Index.zip", b"PK\x05\x06" + b"\x00" * 18)]),
            "numbers_file",
        ),
        "binary.xlsb": (
            _zip(
                [
                    _member("[Content_Types].xml", b"<Types/>"),
                    _member("xl/workbook.bin", b"\x83\x01\x00"),
                ]
            ),
            "not_xlsx",
        ),
    }
    # Compressed bytes of Connectees overwritten with 0xFF: an invalid deflate block type.
    info = zipfile.ZipFile(valid).getinfo(CONNECTEES_PART)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    damaged = bytearray(data)
    damaged[start : start + info.compress_size] = b"\xff" * info.compress_size
    cases["damaged.xlsx"] = (bytes(damaged), "corrupt")
    return cases


NOT_WORKBOOK_NAMES = [
    "empty.xlsx",
    "blank.xlsx",
    "binary.xlsx",
    "report.pdf.xlsx",
    "export.csv.xlsx",
    "pk-text.xlsx",
    "unicode.txt.xlsx",
    "page.xls",
    "excel-html.xls",
    "excel2003.xml.xlsx",
    "encrypted.xlsx",
    "old.xls",
    "truncated.xlsx",
    "cut-before-directory.xlsx",
    "docs.zip.xlsx",
    "binary.xlsb",
    "damaged.xlsx",
    "roster.csv",
    "roster.ods",
    "ods-named.xlsx",
    "roster.numbers",
    "old-numbers.numbers",
]


@pytest.mark.parametrize("name", NOT_WORKBOOK_NAMES)
def test_not_a_workbook(tmp_path, registry, name):
    cases = _not_workbooks(tmp_path)
    assert sorted(cases) == sorted(NOT_WORKBOOK_NAMES)
    content, code = cases[name]
    path = tmp_path / name
    path.write_bytes(content)
    _check_rejected(path, registry, code)


def test_many_parts(tmp_path, registry):
    """A zip directory of thousands of entries is refused before it is listed."""
    valid = _parts(_valid(tmp_path / "valid.xlsx"))
    members = [_member(name, content) for name, content in valid.items()]
    members += [_member(f"xl/media/dot{i}.png", b"") for i in range(read.MAX_PARTS)]
    path = tmp_path / "many.xlsx"
    path.write_bytes(_zip(members))
    _check_rejected(path, registry, "not_xlsx")


def test_not_a_regular_file(tmp_path):
    """A FIFO named .xlsx is refused by the reader, not read forever."""
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    with pytest.raises(read.FileRejected) as rejected:
        read.read_workbook(fifo)
    assert rejected.value.code == "unreadable"


def test_file_over_the_size_limit(tmp_path, registry, monkeypatch):
    """Over the limit: refused from its size, whether read from the path or given as bytes."""
    path = _valid(tmp_path / "big.xlsx")
    monkeypatch.setattr(read, "MAX_FILE_BYTES", 1024)
    for data in (None, path.read_bytes()):
        with pytest.raises(read.FileRejected) as rejected:
            read.read_workbook(path, data)
        assert rejected.value.code == "too_large"
    assert validate_workbook(path, registry).issues[0].code == "too_large"


# --- Decompression bombs ---------------------------------------------------------------


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bombs")
    valid = _valid(tmp / "valid.xlsx")
    return {
        "honest": _bomb(valid, tmp / "honest.xlsx", declared=None),
        "lying": _bomb(valid, tmp / "lying.xlsx", declared=2676),
    }


def test_bomb_with_honest_sizes(bombs, registry):
    """Declared sizes over the budget: refused from the zip directory, nothing inflated."""
    assert bombs["honest"].stat().st_size < 2 * 1024 * 1024
    start = time.perf_counter()
    _check_rejected(bombs["honest"], registry, "too_large_unpacked")
    assert time.perf_counter() - start < 1.0


def test_bomb_with_lying_sizes(bombs, registry):
    """A member that declares 2.6 KB but inflates to 420 MB is measured for real, in a budget.

    Python's zipfile would stop at the declared size; calamine's zip reader
    would inflate the whole stream.
    """
    assert zipfile.ZipFile(bombs["lying"]).getinfo(CONNECTEES_PART).file_size == 2676
    _check_rejected(bombs["lying"], registry, "too_large_unpacked")
    measured = _in_subprocess(bombs["lying"])
    assert measured["code"] == "too_large_unpacked"


# --- XML entity tricks in any part ------------------------------------------------------

ENTITY_CASES = {
    "laughs-in-sheet": (CONNECTEES_PART, LAUGHS, 0),
    "external-in-workbook": ("xl/workbook.xml", EXTERNAL, 0),
    "external-after-long-prolog": ("xl/workbook.xml", EXTERNAL, 20_000),
    "laughs-in-styles": ("xl/styles.xml", LAUGHS, 0),
    "external-in-relationships": ("xl/_rels/workbook.xml.rels", EXTERNAL, 0),
    "external-in-content-types": ("[Content_Types].xml", EXTERNAL, 0),
    "lowercase-doctype": (CONNECTEES_PART, b'<!doctype x [<!entity y "z">]>', 0),
}


@pytest.mark.parametrize("case", list(ENTITY_CASES))
def test_xml_entities_refused(tmp_path, registry, case):
    part, doctype, padding = ENTITY_CASES[case]
    valid = _valid(tmp_path / "valid.xlsx")
    path = _rewrite(
        valid, tmp_path / f"{case}.xlsx", {part: lambda x: _with_doctype(x, doctype, padding)}
    )
    _check_rejected(path, registry, "unsafe_xml")


SUBMISSION_PART = "xl/worksheets/sheet1.xml"


@pytest.mark.parametrize(
    "part, change, code",
    [
        (
            CONNECTEES_PART,
            lambda x: _with_doctype(x, LAUGHS),
            "NS-HFX",
        ),  # not read by the peek: the full read refuses it
        (CONNECTEES_PART, lambda x: _append_rows(x, FAR), "NS-HFX"),
        (SUBMISSION_PART, lambda x: _with_doctype(x, LAUGHS), None),
        (SUBMISSION_PART, lambda x: _append_rows(x, FAR), None),
        ("xl/styles.xml", lambda x: _with_doctype(x, LAUGHS), None),
    ],
    ids=[
        "laughs-in-data-sheet",
        "far-cell-in-data-sheet",
        "laughs-in-submission",
        "far-cell-in-submission",
        "laughs-in-styles",
    ],
)
def test_peek_checks_what_it_reads(tmp_path, registry, part, change, code):
    """Discovery's peek scans every part calamine opens plus the Submission sheet, and no other sheet."""
    path = _rewrite(_valid(tmp_path / "valid.xlsx"), tmp_path / "odd.xlsx", {part: change})
    assert read.peek_community(path.read_bytes()) == code
    assert validate_workbook(path, registry).status == "rejected"


def test_xml_entities_in_shared_strings(tmp_path, registry):
    table = (
        b'<?xml version="1.0"?>' + EXTERNAL + b'<sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>'
    )
    path = _with_shared_strings(_valid(tmp_path / "valid.xlsx"), tmp_path / "sst.xlsx", table)
    _check_rejected(path, registry, "unsafe_xml")


def test_utf16_part_with_entities_refused(tmp_path, registry):
    """A UTF-16 part would hide a DOCTYPE from a byte search: it is transcoded, then refused."""
    valid = _valid(tmp_path / "valid.xlsx")
    path = _rewrite(
        valid,
        tmp_path / "utf16.xlsx",
        {"xl/workbook.xml": lambda x: _with_doctype(x, EXTERNAL).decode().encode("utf-16")},
    )
    _check_rejected(path, registry, "unsafe_xml")


# --- What would make calamine allocate gigabytes -------------------------------------------

FAR = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
EXTENT_CASES = {
    # One cell far away: 17 billion cells from A1 (calamine asks for 550 GB and aborts).
    "far-cell": FAR,
    # The same cell given a second r attribute: calamine uses the last one.
    "duplicate-r": b'<row r="9"><c r="A9" t="inlineStr" r="XFD1048576"><is><t>x</t></is></c></row>',
    # A '>' inside an attribute value before the real r.
    "gt-in-value": b'<row r="9"><c a="/>" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    # A '<' inside an attribute value: calamine reads it; expat refuses it.
    "lt-in-value": b'<row r="9"><c r="XFD1048576" a="<c r=\'A1\'>" t="inlineStr"><is><t>x</t></is></c></row>',
    # Single quotes and spaces around '='.
    "odd-quoting": b"<row r='9'><c r = 'XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>",
    # A cell without r in a far row: its place comes from the row (14 columns x 1,048,576 rows).
    "no-ref": b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>',
    # A prefixed element.
    "prefixed": (
        b'<row r="1048576"><x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'r="XFD1048576" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></row>'
    ),
    # A cell nested in another: calamine reads the outer one's value.
    "nested": b'<row r="9"><c r="XFD1048576"><c r="A9" s="1"/><v>1</v></c></row>',
}


@pytest.mark.parametrize("case", list(EXTENT_CASES))
def test_sheet_extent_bombs(tmp_path, registry, case):
    valid = _valid(tmp_path / "valid.xlsx")
    path = _rewrite(
        valid,
        tmp_path / f"{case}.xlsx",
        {CONNECTEES_PART: lambda x: _append_rows(x, EXTENT_CASES[case])},
    )
    # XML that only calamine tolerates (an attribute twice, '<' in a value) is refused as malformed.
    malformed = case in ("duplicate-r", "lt-in-value")
    _check_rejected(path, registry, "unreadable_sheet" if malformed else "sheet_too_large")


def test_far_cell_is_named_in_the_workbooks_language(tmp_path, registry):
    """The refusal names the sheet and the farthest cell, and says what to delete, in English or French."""
    english = _rewrite(
        _valid(tmp_path / "en.xlsx"),
        tmp_path / "far-en.xlsx",
        {CONNECTEES_PART: lambda x: _append_rows(x, FAR)},
    )
    assert validate_workbook(english, registry).reason == (
        "The sheet 'Connectees' has cells as far as XFD1048576 (17,179,869,184 cells counted from A1), far more "
        "than a submission needs: delete the rows and columns after your data (a formula filled down to the "
        "bottom of the sheet is the usual cause) and save again."
    )
    french = _rewrite(
        _valid(tmp_path / "fr.xlsx", lang="fr"),
        tmp_path / "far-fr.xlsx",
        {CONNECTEES_PART: lambda x: _append_rows(x, FAR)},
    )
    reason = validate_workbook(french, registry).reason
    assert reason.startswith(
        "La feuille « Connectés » a des cellules jusqu'à XFD1048576 "
        "(17\u202f179\u202f869\u202f184 cellules comptées depuis A1)"
    ), reason


@pytest.mark.parametrize("before_boundary", [1, 4, 9, 25, 60])
def test_far_cell_across_a_chunk_boundary(tmp_path, registry, before_boundary):
    """The reader scans inflated parts 1 MB at a time: a far cell cut by the boundary is still seen.

    The parts are stored, not deflated, so the chunks fall exactly every MB.
    """
    parts = _parts(_valid(tmp_path / "valid.xlsx"))
    head, tail = parts[CONNECTEES_PART].split(b"</sheetData>")
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    start = far.index(b"<c ")
    padding = read._CHUNK - len(head) - start - before_boundary
    parts[CONNECTEES_PART] = head + b" " * padding + far + b"</sheetData>" + tail
    assert parts[CONNECTEES_PART].index(b'<c r="XFD') == read._CHUNK - before_boundary
    path = tmp_path / "boundary.xlsx"
    path.write_bytes(
        _zip(
            [(name, content, zlib.crc32(content), len(content)) for name, content in parts.items()],
            method=0,
        )
    )
    _check_rejected(path, registry, "sheet_too_large")


def test_extent_checks_agree(tmp_path):
    """The refs-based extent and the expat one agree on a normal sheet and on formatted blank cells."""
    rows = b"".join(
        b'<row r="%d"><c r="A%d" s="1"/><c r="AB%d" s="1"/></row>' % (n, n, n)
        for n in range(300, 5000)
    )
    valid = _valid(tmp_path / "valid.xlsx", connectees=[connectee(f"E{n}") for n in range(200)])
    path = _rewrite(
        valid, tmp_path / "styled.xlsx", {CONNECTEES_PART: lambda x: _append_rows(x, rows)}
    )
    data = path.read_bytes()
    container = read._check_container(data)
    part = container.parts[CONNECTEES_PART]
    assert not part.simple and not part.odd
    assert read._extent_from_refs(data, part) == (
        (201, 14),
        False,
    )  # (extent of the values, any empty cell)
    assert read._extent(data, part, "Connectees") == (201, 14)


def test_far_cell_in_bounded_memory(tmp_path):
    """The 7 KB workbook that used to abort the process: refused in a subprocess, in little memory."""
    valid = _valid(tmp_path / "valid.xlsx")
    path = _rewrite(valid, tmp_path / "far.xlsx", {CONNECTEES_PART: lambda x: _append_rows(x, FAR)})
    assert path.stat().st_size < 20_000
    assert _in_subprocess(path)["code"] == "sheet_too_large"


def test_formula_filled_down_is_read(tmp_path, registry):
    """Cells holding an empty text (a formula filled down 300,000 rows) are blank, not cells to refuse.

    This reverses an earlier decision (such sheets were refused as
    ``sheet_too_large``): the contract reads a cell whose value is empty as
    blank however far it lies (issue 7). The same rows holding a value are
    still refused.
    """
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="str"><f>IF(B%d="","",B%d)</f><v></v></c></row>' % ((n,) * 4)
        for n in range(4, 300_004)
    )
    valid = _valid(tmp_path / "valid.xlsx")
    path = _rewrite(
        valid, tmp_path / "filled.xlsx", {CONNECTEES_PART: lambda x: _append_rows(x, rows)}
    )
    measured = _in_subprocess(path)
    assert measured["status"] == "accepted" and measured["rows"]["connectees"] == 2
    valued = rows.replace(b"<v></v>", b"<v>x</v>")
    path = _rewrite(
        valid, tmp_path / "valued.xlsx", {CONNECTEES_PART: lambda x: _append_rows(x, valued)}
    )
    _check_rejected(path, registry, "sheet_too_large")


@pytest.mark.parametrize(
    "unique_count, entries", [(4_000_000_000, 1), (1, read.MAX_SHARED_STRINGS + 1)]
)
def test_shared_string_table_bombs(tmp_path, registry, unique_count, entries):
    """calamine reserves uniqueCount strings up front (4e9 x 24 bytes aborts the process)."""
    table = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        b'uniqueCount="%d">' % unique_count + b"<si><t/></si>" * entries + b"</sst>"
    )
    path = _with_shared_strings(_valid(tmp_path / "valid.xlsx"), tmp_path / "sst.xlsx", table)
    _check_rejected(path, registry, "not_xlsx")
    if unique_count > entries:
        assert _in_subprocess(path)["code"] == "not_xlsx"


# --- A million formatted blank rows after the data: a normal validation ----------------------


def _million_blank_rows(valid: Path, dst: Path, cells: bool, rows: int = 1_000_000) -> Path:
    """Connectees followed by ``rows`` (a million) formatted blank rows, streamed into the zip."""
    parts = _parts(valid)
    head, tail = parts[CONNECTEES_PART].split(b"</sheetData>")
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in parts.items():
            if name != CONNECTEES_PART:
                archive.writestr(name, content)
        with archive.open(CONNECTEES_PART, "w") as stream:
            stream.write(head)
            for start in range(4, rows + 4, 10_000):
                numbers = range(start, start + 10_000)
                if cells:
                    batch = [
                        b'<row r="%d"><c r="A%d" s="1"/><c r="K%d" s="1"/></row>' % (n, n, n)
                        for n in numbers
                    ]
                else:
                    batch = [b'<row r="%d" s="1" customFormat="1" ht="15"/>' % n for n in numbers]
                stream.write(b"".join(batch))
            stream.write(b"</sheetData>" + tail)
    return dst


@pytest.mark.parametrize("cells", [False, True], ids=["formatted-rows", "formatted-cells"])
def test_million_formatted_blank_rows(tmp_path, registry, cells):
    valid = _valid(tmp_path / "valid.xlsx")
    path = _million_blank_rows(valid, tmp_path / "blank.xlsx", cells)
    start = time.perf_counter()
    submission = validate_workbook(path, registry)
    assert time.perf_counter() - start < SECONDS
    assert submission.status == "accepted", submission.reason
    assert not submission.errors, submission.errors[:3]
    assert list(submission.rows["connectees"]["excel_row"]) == [2, 3]
    measured = _in_subprocess(path)
    assert measured["status"] == "accepted" and measured["rows"]["connectees"] == 2


def test_annotated_copy_leaves_out_the_blank_tail(tmp_path, registry):
    """The annotated copy of a workbook with 200,000 formatted blank rows: fast, every filled cell kept.

    openpyxl loads formatted blank cells one by one (a million took about a
    minute and 1.3 GB), so the copy leaves out the rows after the last one
    holding anything.
    """
    valid = _valid(
        tmp_path / "valid.xlsx", connectees=[connectee("E1"), connectee("E2", Email="ana@")]
    )
    path = _million_blank_rows(valid, tmp_path / "blank.xlsx", cells=True, rows=200_000)
    submission = validate_workbook(path, registry)
    assert [(i.cell, i.code) for i in submission.errors] == [("D3", "bad_email")]
    start = time.perf_counter()
    out = write_annotated(path, submission, tmp_path / "annotated.xlsx")
    assert time.perf_counter() - start < 5
    book = openpyxl.load_workbook(out)
    sheet = book["Connectees"]
    assert sheet.max_row == 3
    assert sheet["D3"].value == "ana@" and sheet["D3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "bad_email" in sheet["D3"].comment.text
    assert [c.value for c in sheet[2]] == [
        c.value for c in openpyxl.load_workbook(valid)["Connectees"][2]
    ]


def test_blank_tail_cut_keeps_every_row_with_content():
    """Formulas with no cached value, inline texts and values all end a row that stays."""
    head = b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
    for last in (
        b'<row r="2"><c r="B2"><f>A1*2</f></c></row>',
        b'<row r="2"><c r="B2" t="inlineStr"><is><t>x</t></is></c></row>',
        b'<row r="2"><c r="B2"><f t="shared" ref="B2:B3" si="0"/></c></row>',
    ):
        tail = b"".join(b'<row r="%d"><c r="A%d" s="1"/></row>' % (n, n) for n in range(3, 10))
        xml = head + last + tail + b"</sheetData><mergeCells/></worksheet>"
        assert (
            feedback._cut_blank_tail(xml) == head + last + b"</sheetData><mergeCells/></worksheet>"
        )
    prefixed = b'<x:worksheet><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData>'
    assert feedback._cut_blank_tail(prefixed) == prefixed
    mixed = (
        head
        + b'<row r="2"><x:c r="A2"><x:v>1</x:v></x:c></row>'
        + tail
        + b"</sheetData></worksheet>"
    )
    assert feedback._cut_blank_tail(mixed) == mixed  # a prefixed cell: unsure, nothing cut
    # Excel writes <xm:f> in list validations that refer to another sheet: outside the cells, no matter.
    validations = (
        b"<extLst><x14:dataValidations><xm:f>Lists!$A$1:$A$5</xm:f></x14:dataValidations></extLst>"
    )
    xml = head + last + tail + b"</sheetData>" + validations + b"</worksheet>"
    assert (
        feedback._cut_blank_tail(xml)
        == head + last + b"</sheetData>" + validations + b"</worksheet>"
    )


# --- Path traversal and what the CLI writes -------------------------------------------------------


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


def test_community_code_like_a_path(tmp_path, registry):
    path = _valid(tmp_path / "traversal.xlsx", submission=submission_rows(community="../../etc"))
    _check_rejected(path, registry, "unknown_community")
    assert read.peek_community(path.read_bytes()) is None  # never a name to build paths from


def test_cli_writes_only_where_asked(tmp_path, monkeypatch):
    """A rejected workbook: the report is written where asked, no annotated copy, nothing else anywhere."""
    source, work = tmp_path / "in", tmp_path / "work"
    source.mkdir()
    work.mkdir()
    workbook = _valid(source / "traversal.xlsx", submission=submission_rows(community="../../etc"))
    monkeypatch.chdir(work)  # the output paths below are relative, as a coordinator types them
    before = _files(tmp_path)
    result = CliRunner().invoke(
        main,
        [
            "validate",
            str(workbook),
            "--report",
            "out/report.md",
            "--annotated",
            "out/annotated.xlsx",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    created = _files(tmp_path) - before
    assert created == {Path("work/out"), Path("work/out/report.md")}


def test_cli_accepted_writes_only_where_asked(tmp_path, monkeypatch):
    source, work = tmp_path / "in", tmp_path / "work"
    source.mkdir()
    work.mkdir()
    workbook = _valid(source / "ok.xlsx")
    monkeypatch.chdir(work)
    before = _files(tmp_path)
    result = CliRunner().invoke(
        main, ["validate", str(workbook), "--report", "report.md", "--annotated", "checked.xlsx"]
    )
    assert result.exit_code in (0, 1), result.output
    created = _files(tmp_path) - before
    assert created == {Path("work/report.md"), Path("work/checked.xlsx")}


def test_the_starting_workbook_is_valid(registry, tmp_path):
    """Sanity: the valid workbook the bad inputs start from is itself accepted without errors."""
    submission = validate_workbook(_valid(tmp_path / "valid.xlsx"), registry)
    assert submission.status == "accepted" and not submission.errors
    assert submission.submitted_on == dt.date(2025, 4, 15)
