"""Stage 1, read: open a submission workbook safely and return its raw cells.

The reader finds the contract's sheets and columns by their folded names (in
English or French), the header row under up to ten title rows, and returns
every cell of the known columns as Excel holds it: nothing is parsed here,
so ``02040`` stays text and ``n/a`` stays ``n/a``. Everything a workbook can do
to hurt the machine is refused before python-calamine sees it, as a
``FileRejected`` carrying one plain sentence: not a workbook, encrypted, a
decompression bomb (whatever sizes the zip directory declares), XML entity
declarations in any part, a shared-string table or a sheet extent that would
make calamine allocate gigabytes (a 7 KB file with one cell in XFD1048576
asks it for 550 GB, and Rust aborts the process rather than raise).

What real applications write and calamine alone would get wrong is mended
here, in memory, before calamine reads it: XML parts in UTF-16 are transcoded
to UTF-8 (calamine cannot parse them; the DOCTYPE check then runs on the
UTF-8); cells whose value is empty (a formula returning "" filled down to row
1,048,576) are dropped from a sheet that would otherwise be too large to read;
Excel error values (``#N/A``), which calamine gives as ``""``, are put back as
``values.ExcelError``. The workbook's date system (1900 or 1904) and each
sheet's merged ranges are returned with the cells.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import pyexpat
import re
import stat
import struct
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import python_calamine

from connector_rollup.contract import (
    DATA_SHEETS,
    SUBMISSION_FIELDS,
    SUBMISSION_SHEET,
    Sheet,
)
from connector_rollup.registry import CODE_PATTERN
from connector_rollup.values import ExcelError, fold, is_blank

MAX_TITLE_ROWS = 10
MAX_FILE_BYTES = 100 * 1024 * 1024
# A real submission is a few MB of XML; far more is a decompression bomb.
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
# An .xlsx holds a few dozen parts; a zip directory of millions costs GBs to list.
MAX_PARTS = 10_000
# calamine reserves the shared-string table from its uniqueCount attribute.
MAX_SHARED_STRINGS = 1_000_000
# Cells from A1 to a sheet's last cell, which calamine and to_python() allocate
# densely (about 40 bytes each). 3 million is 200,000 rows of 14 columns.
MAX_SHEET_CELLS = 3_000_000
# Sheets are read in parallel threads (calamine releases the GIL) when the
# workbook is small enough that a copy per thread costs nothing.
PARALLEL_MAX_FILE_BYTES = 16 * 1024 * 1024
PARALLEL_MAX_XML_BYTES = 64 * 1024 * 1024
MAX_THREADS = 4

_CHUNK = 1024 * 1024  # inflated bytes per step
_INPUT_CHUNK = 64 * 1024  # compressed bytes fed per step
_CARRY = 64 * 1024  # at most this much of a chunk's end is carried into the next scan
# Worksheet parts: calamine parses one only when its sheet is read.
WORKSHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
# Parts calamine and openpyxl never parse as XML (pictures).
_MEDIA = re.compile(r"^xl/media/[^/]+\.(?:png|jpe?g|gif|bmp|tiff?|emf|wmf|svg)$", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"!(?i:doctype|entity)")
# How a part in UTF-16 or UTF-32 begins: a byte-order mark, or the '<' of its declaration.
_WIDE_STARTS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
_ENCODING_DECLARED = re.compile(r"""^(<\?xml\s[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")
# A cell holding an Excel error value is typed t="e" (any quoting, spaces around '=').
_ERROR_TYPE = re.compile(rb"""\st\s*=\s*(?:"e"|'e')""")
# The error values calamine reads; it refuses the whole sheet for the newer ones (#SPILL!, #CALC!...).
_CALAMINE_ERRORS = frozenset({"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"})

# Where a sheet's cells may lie. calamine (quick-xml) is lenient: it takes a
# cell's position from its LAST r attribute, quoted either way, spaced any
# way, prefixed elements (<x:c>), cells without r (counted along the row),
# and `<` or `>` inside attribute values. So the checks are, from cheap to exact:
# 1. every part: is every cell start tag `<c r="A1".."Z99999"` (what Excel,
#    openpyxl and xlsxwriter write), with no other r attribute anywhere?
#    Then no cell lies beyond Z99999 (2.6 million cells from A1).
_UNPLAIN_CELL = re.compile(rb'<c(?! r="[A-Z][0-9]{1,5}")[\s/>]')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_OTHER_R = re.compile(rb"r(?<![\w:.-]r)(?<!<c r)(?<!<row r)\s*=")
# 2. a sheet about to be read that failed 1 only for far or odd cell tags:
#    if every cell still starts `<c r="XFD1048576"` (any size), the last cell
#    with content is found from those refs; cells without content (the
#    formatting Excel writes for a million blank rows) do not count.
_REFLESS_CELL = re.compile(rb'<c(?! r="[A-Z]{1,3}[0-9]{1,7}")[\s/>]')
_LT_IN_VALUE = re.compile(rb"""=\s*(?:"[^"<]*<|'[^'<]*<)""")
#    A cell calamine keeps has content; one that holds no value, only perhaps a
#    formula and an empty <v> (a formula returning "" filled down), is blank to
#    the contract however far it lies, and is dropped before calamine reads
#    the sheet (``_without_empty_cells``).
_IN_TAG = rb"""(?>[^<>"']++|"[^"]*+"|'[^']*+')*+"""  # a start tag's attributes, quotes respected
_EMPTY_VALUE = (
    rb"\s*(?:<f\b" + _IN_TAG + rb"(?:(?<=/)>|(?<!/)>[^<]*</f>)\s*)?"
    rb"(?:<v\s*/>\s*|<v\s*>\s*</v>\s*|<is>\s*<t\b"
    + _IN_TAG
    + rb"(?:(?<=/)>|(?<!/)>\s*</t>)\s*</is>\s*)?</c>"
)
_VALUED_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"' + _IN_TAG + rb"(?<!/)>(?!" + _EMPTY_VALUE + rb")"
)
_EMPTY_CELL = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"' + _IN_TAG + rb"(?<!/)>" + _EMPTY_VALUE)
_EMPTY_ROW = re.compile(rb"<row\b" + _IN_TAG + rb"(?:(?<=/)>|(?<!/)>\s*</row>)")
# 3. otherwise parse it (expat, streaming) and follow calamine's counters.
_REF = re.compile(r"([A-Za-z]*)([0-9]*)")
_ATTRS = rb"""((?:[^>"']|"[^"]*"|'[^']*')*)"""
_SST_TAG = re.compile(rb"<(?:[\w.-]+:)?sst(?=[\s/>])" + _ATTRS + rb">")
_UNIQUE_COUNT = re.compile(rb"""uniqueCount\s*=\s*["']\s*([0-9]+)""")


class FileRejected(Exception):
    """The whole workbook is unusable. ``code`` is stable; ``params`` fill the message.

    ``language`` is the workbook's ("en" or "fr") when it was rejected after
    being opened (a missing sheet or column, an unreadable sheet), else None.
    ``fields`` holds the Submission sheet's fields when that sheet could be
    read before the rejection, so the workbook can still be named by its
    community, quarter and date (issue 7: a rejected workbook is its community's).
    """

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params
        self.language: str | None = None
        self.fields: dict[str, RawField] = {}


@dataclass(frozen=True)
class RawColumn:
    key: str
    index: int  # 0-based column index in the sheet
    header: str  # the header text as the community wrote it


@dataclass
class RawSheet:
    """One data sheet's cells: ``values[key][i]`` is the cell in Excel row ``rows[i]``."""

    sheet: Sheet
    name: str  # as in the workbook
    header_row: int  # Excel row number
    columns: dict[str, RawColumn]
    unknown_headers: list[tuple[int, str]]
    rows: list[int]
    values: dict[str, list[object]]
    # The sheet's merged ranges as Excel writes them ("A2:A3"): only a range's
    # first cell holds its value, the others read blank.
    merged: list[str] = field(default_factory=list)
    # Some cell of a known column holds an Excel error value (``values.ExcelError``).
    errors: bool = False


@dataclass
class RawField:
    value: object
    cell: str  # e.g. B3
    label: str


@dataclass
class RawWorkbook:
    file_name: str
    sha256: str
    language: str  # "en" or "fr"
    submission_sheet: str
    fields: dict[str, RawField]
    sheets: dict[str, RawSheet] = field(default_factory=dict)
    # The workbook counts date serials from 1904-01-01 (<workbookPr date1904="1"/>).
    date1904: bool = False
    # Optional sheets present but holding nothing (key -> name): read as absent.
    empty_sheets: dict[str, str] = field(default_factory=dict)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(index: int, row: int) -> str:
    return f"{column_letter(index)}{row}"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_workbook(path: str | Path, data: bytes | None = None) -> RawWorkbook:
    """Read a submission workbook's raw cells, or raise ``FileRejected``."""
    path = Path(path)
    if data is None:
        data = read_bytes(path)
    container = _check_container(data, name=path.name)
    book = _open(container.data)  # the bytes as checked (UTF-16 parts transcoded)

    by_fold = {fold(name): name for name in reversed(book.sheet_names)}
    votes = {"en": 0, "fr": 0}
    found: dict[str, str] = {}  # sheet key -> its name in the workbook
    pairs = [
        ("submission", SUBMISSION_SHEET),
        *((s.key, (s.english, s.french)) for s in DATA_SHEETS),
    ]
    for key, names in pairs:
        if (name := _find_sheet(by_fold, names, votes)) is not None:
            found[key] = name
    language = "fr" if votes["fr"] > votes["en"] else "en"
    fields: dict[str, RawField] = {}
    try:
        if "submission" not in found:
            raise FileRejected(
                "missing_sheet", sheet=SUBMISSION_SHEET[0], sheet_fr=SUBMISSION_SHEET[1]
            )
        for sheet in DATA_SHEETS:
            if sheet.required and sheet.key not in found:
                # Still read the Submission sheet, so the rejection names its community and quarter.
                name = found["submission"]
                fields = _read_submission_fields(
                    _read_sheets(container, book, [name], {}, set())[name]
                )
                raise FileRejected("missing_sheet", sheet=sheet.english, sheet_fr=sheet.french)
        merged: dict[str, list[str]] = {}
        errors: set[str] = set()
        cells = _read_sheets(container, book, list(found.values()), merged, errors)
        fields = _read_submission_fields(cells[found["submission"]])
        workbook = RawWorkbook(
            file_name=path.name,
            sha256=sha256_of(data),
            language=language,
            submission_sheet=found["submission"],
            fields=fields,
            date1904=container.date1904,
        )
        for sheet in DATA_SHEETS:
            if (name := found.get(sheet.key)) is None:
                continue
            if not sheet.required and all(
                map(_blank_row, cells[name])
            ):  # stops at the first filled row
                workbook.empty_sheets[sheet.key] = name  # not a cell filled: as good as absent
                continue
            workbook.sheets[sheet.key] = _read_data_sheet(
                sheet, name, cells[name], merged.get(name, ()), name in errors
            )
    except FileRejected as rejected:
        rejected.language = language  # the workbook was opened: its sheet names tell its language
        rejected.fields = fields
        raise
    return workbook


def peek_community(data: bytes) -> str | None:
    """The community code a workbook's Submission sheet names, or None; reads nothing else.

    Only a code of the registry's form (``NS-HFX``) is returned, so the answer
    is safe to group or name things by; anything else is found and explained
    by the full read.
    """
    try:
        # calamine parses a worksheet only when it is read: the data sheets are
        # left for the full read to check, which halves discovery's cost.
        container = _check_container(data, worksheets=False)
        book = _open(container.data)
        by_fold = {fold(name): name for name in reversed(book.sheet_names)}
        name = _find_sheet(by_fold, SUBMISSION_SHEET, {"en": 0, "fr": 0})
        if name is None or not _check_worksheet(container, name):
            return None
        cells = _read_sheets(container, book, [name])[name]
        found = _read_submission_fields(cells).get("community_code")
    except Exception:  # anything wrong is found and explained by the full read
        return None
    if (
        found is None
        or not isinstance(found.value, (str, int, float))
        or isinstance(found.value, bool)
    ):
        return None
    code = str(found.value).strip().upper()
    return code if CODE_PATTERN.match(code) else None


def read_bytes(path: str | Path) -> bytes:
    """A workbook file's bytes, or ``FileRejected``: not a regular file, over 100 MB, unreadable.

    Never blocks on a FIFO nor reads past the size limit, so intake can use it too.
    """
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise FileRejected("unreadable", detail="not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise FileRejected("too_large", megabytes=info.st_size // (1024 * 1024))
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileRejected("unreadable", detail=exc.strerror or str(exc)) from None
    if len(data) > MAX_FILE_BYTES:  # grew since stat
        raise FileRejected("too_large", megabytes=len(data) // (1024 * 1024))
    return data


# --- The container: everything checked before calamine opens the file -------------


@dataclass
class _Part:
    info: zipfile.ZipInfo
    start: int  # offset of the compressed bytes in the file
    inflated: int = 0
    simple: bool = True  # passed check 1: no cell beyond Z99999
    odd: bool = False  # another r attribute, or prefixed cells: only expat can place them
    scanned: bool = True  # False: a worksheet left for _check_worksheet
    wide: bool = False  # in UTF-16 or UTF-32: to transcode, not scanned further
    errors: bool = False  # a worksheet that may hold error values (t="e")


@dataclass
class _Container:
    data: bytes
    parts: dict[str, _Part]
    sheet_parts: dict[str, str]  # sheet name -> part name, resolved as calamine does
    xml_bytes: int  # inflated bytes of every part scanned
    budget: int  # inflated bytes still allowed
    date1904: bool = False  # the workbook's date system, from xl/workbook.xml


# File names that say "text" when the content is text: the message then names a CSV file.
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".prn")


def _sniff_not_zip(data: bytes, name: str = "") -> FileRejected:
    """The rejection for a file that is not a zip: HTML, text/CSV or other bytes.

    ``name`` (the file's name) only tells a CSV file from text given an Excel name.
    """
    head = data[:4096]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    lowered = head.lstrip().lower()
    if lowered.startswith(
        (b"<!doctype html", b"<html", b"<table", b"<head", b"<meta", b"<body")
    ) or (lowered.startswith(b"<") and b"<html" in lowered):
        return FileRejected("not_xlsx_html")
    if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return FileRejected("not_xlsx", detail="it is an Excel 2003 XML spreadsheet")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # "Unicode text" saved by Excel
        return FileRejected("not_xlsx_text")
    if head.startswith(b"%PDF"):
        return FileRejected("not_xlsx", detail="it is a PDF document")
    if b"\x00" in head:
        return FileRejected("not_xlsx", detail="its content is not a spreadsheet")
    if name.lower().endswith(_TEXT_SUFFIXES):
        return FileRejected("csv_file")
    return FileRejected("not_xlsx_text")


def _other_zip(data: bytes, members: list[zipfile.ZipInfo]) -> FileRejected:
    """The rejection for a zip that is not an .xlsx: another application's spreadsheet, or an archive.

    OpenDocument files (LibreOffice's .ods) name their kind in a first part
    called ``mimetype``; Apple Numbers files hold ``Index/*.iwa`` parts (or
    ``Index.zip`` in older versions).
    """
    names = [m.filename for m in members]
    mimetype = next((m for m in members if m.filename == "mimetype"), None)
    if mimetype is not None and mimetype.compress_size < 1024:
        try:
            kind = b"".join(_inflate(data, _Part(mimetype, _data_start(data, mimetype))))[:200]
        except FileRejected:
            kind = b""
        if kind.strip().startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return FileRejected("ods_file")
    if "Index.zip" in names or any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
        return FileRejected("numbers_file")
    return FileRejected("not_xlsx_zip")


def _check_container(
    data: bytes, worksheets: bool = True, name: str = "", transcoded: bool = False
) -> _Container:
    """Refuse anything but a plain, reasonably sized, entity-free .xlsx zip.

    ``worksheets=False`` leaves the worksheet parts unscanned, for a caller
    that reads one sheet only and scans it first with ``_check_worksheet``.
    ``name`` is the file's name, a hint where the content is ambiguous (text).
    A workbook with parts in UTF-16 (or UTF-32) is rewritten in memory with
    them in UTF-8 and checked again (``transcoded``): the returned
    container's ``data`` are then the bytes calamine must open.
    """
    if len(data) > MAX_FILE_BYTES:
        raise FileRejected("too_large", megabytes=len(data) // (1024 * 1024))
    if not data or data.isspace():
        raise FileRejected("empty_file")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE2 compound file: an encrypted .xlsx (its EncryptedPackage
        # stream is named in UTF-16) or an old binary .xls.
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise FileRejected("password_protected")
        raise FileRejected("old_xls")
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # a zip's first part, or an empty zip
        raise _sniff_not_zip(data, name)
    if data.count(b"PK\x01\x02") > MAX_PARTS:  # central directory entries, before listing them
        raise FileRejected("not_xlsx", detail="it holds far more parts than a workbook")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, struct.error):
        raise FileRejected("corrupt") from None
    names = {m.filename for m in members}
    if len(names) != len(members):  # two parts of one name: which one calamine reads is unclear
        raise FileRejected("corrupt")
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _other_zip(data, members)
    if "xl/workbook.bin" in names:
        raise FileRejected("not_xlsx", detail="it is a binary .xlsb workbook")
    declared = sum(m.file_size for m in members)
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise FileRejected("too_large_unpacked", megabytes=declared // (1024 * 1024))

    parts: dict[str, _Part] = {}
    budget = MAX_UNCOMPRESSED_BYTES
    for member in members:
        if member.flag_bits & 0x1:
            raise FileRejected("not_xlsx", detail="its parts are encrypted")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileRejected("not_xlsx", detail="its parts use a compression Excel never writes")
        part = _Part(member, _data_start(data, member))
        if not worksheets and WORKSHEET_PART.match(member.filename):
            part.scanned = False
        elif not _MEDIA.match(member.filename):
            budget = _scan_part(data, part, budget)
        else:  # still inflated once, so the budget counts it
            for chunk in _inflate(data, part):
                budget -= len(chunk)
                if budget < 0:
                    raise _too_large_unpacked()
        parts[member.filename] = part
    if any(part.wide for part in parts.values()):
        if transcoded:  # cannot happen: every wide part was rewritten in UTF-8
            raise FileRejected("unsafe_xml", part=next(n for n, p in parts.items() if p.wide))
        return _check_container(
            _rewritten(data, parts, to_utf8=True), worksheets, name, transcoded=True
        )
    return _Container(
        data,
        parts,
        _sheet_parts(data, parts),
        sum(p.inflated for p in parts.values()),
        budget,
        _date1904(_part_text(data, parts, "xl/workbook.xml")),
    )


def _check_worksheet(container: _Container, name: str) -> bool:
    """Scan the part of sheet ``name`` left by ``_check_container(worksheets=False)``.

    False when the part cannot be told as calamine would find it (then only a
    full check is safe); ``FileRejected`` as the full check would.
    """
    part = container.parts.get(container.sheet_parts.get(name, ""))
    if part is None:
        return False
    if not part.scanned:
        container.budget = _scan_part(container.data, part, container.budget)
        container.xml_bytes += part.inflated
        part.scanned = True
    return True


def _too_large_unpacked() -> FileRejected:
    return FileRejected("too_large_unpacked", megabytes=MAX_UNCOMPRESSED_BYTES // (1024 * 1024))


def _data_start(data: bytes, member: zipfile.ZipInfo) -> int:
    """Where a member's compressed bytes begin, from its local header."""
    offset = member.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise FileRejected("corrupt")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    if start + member.compress_size > len(data):
        raise FileRejected("corrupt")  # cut off while copying
    return start


def _inflate(data: bytes, part: _Part) -> Iterator[bytes]:
    """A member's bytes, inflated chunk by chunk from the compressed data itself.

    The sizes in the zip directory are ignored: Python's zipfile stops at the
    declared size, while calamine's zip reader inflates the whole stream, so a
    member that declares 1 KB and inflates to 10 GB must be measured for real.
    """
    info = part.info
    compressed = memoryview(data)[part.start : part.start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        for offset in range(0, len(compressed), _CHUNK):
            yield bytes(compressed[offset : offset + _CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    position = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                feed = inflater.unconsumed_tail
            elif position < len(compressed):
                feed = compressed[position : position + _INPUT_CHUNK]
                position += _INPUT_CHUNK
            else:
                break
            chunk = inflater.decompress(feed, _CHUNK)
            if chunk:
                yield chunk
    except zlib.error:
        raise FileRejected("corrupt") from None
    if not inflater.eof:
        raise FileRejected("corrupt")  # the deflate stream is cut short


def _windows(chunks: Iterator[bytes]) -> Iterator[tuple[bytes, int]]:
    """(window, end): each chunk with the unfinished tag before it; scan ``window[:end]``.

    ``end`` is the window's last ``<``, so no tag is cut in two (unless a ``<``
    sits inside an attribute value, which ``_LT_IN_VALUE`` finds); what follows
    is carried into the next window. A run of more than ``_CARRY`` bytes
    without ``<`` is cut anyway, and ``end`` is then negative (``-cut``).
    """
    carry = b""
    for chunk in chunks:
        window = carry + chunk
        end = window.rfind(b"<")
        if end < 0 or len(window) - end > _CARRY:
            cut = max(len(window) - _CARRY, 0)
            yield window, -cut
            carry = window[cut:]
        else:
            yield window, end
            carry = window[end:]
    if carry:
        yield carry, len(carry)


def _scan_part(data: bytes, part: _Part, budget: int) -> int:
    """Inflate one part within the budget, refusing DTDs; returns the budget left.

    Flags the part ``wide`` (UTF-16/32: left for transcoding), ``simple``/``odd``
    (where its cells may lie) and ``errors`` (a worksheet with t="e" cells).
    """
    name = part.info.filename
    count_strings = name.lower().endswith("sharedstrings.xml")
    strings = 0

    def counted() -> Iterator[bytes]:
        nonlocal budget
        first = True
        for chunk in _inflate(data, part):
            budget -= len(chunk)
            part.inflated += len(chunk)
            if budget < 0:
                raise _too_large_unpacked()
            if first:
                first = False
                # A UTF-16/32 part would hide a DOCTYPE from a byte search: it is transcoded
                # to UTF-8 first (see _check_container), then scanned.
                if _wide_encoding(chunk) is not None:
                    part.wide = True
                    return
                if count_strings:
                    _check_string_table_tag(chunk[:_CARRY])
            yield chunk

    worksheet = WORKSHEET_PART.match(name) is not None
    for window, end in _windows(counted()):
        end = abs(end)
        # Every error value starts with '#', rare in sheets: a one-byte search (memchr) spares
        # most windows the slower searches for "e" (about 0.7 ms a MB).
        if (
            worksheet
            and not part.errors
            and b"#" in window
            and (b'"e"' in window or (b"'" in window and b"'e'" in window))
        ):
            part.errors = _ERROR_TYPE.search(window) is not None
        # A DOCTYPE may follow any amount of prolog: look everywhere, not at the start only.
        if b"!" in window and _XML_DECLARATION.search(window):
            raise FileRejected("unsafe_xml", part=name)
        if not part.odd and (
            _PREFIXED_CELL.search(window, 0, end) or _OTHER_R.search(window, 0, end)
        ):
            part.simple, part.odd = False, True
        if part.simple and _UNPLAIN_CELL.search(window, 0, end):
            part.simple = False
        if count_strings:
            strings += sum(window.count(tag, 0, end) for tag in (b"<si", b":si>", b":si "))
            if strings > MAX_SHARED_STRINGS:
                raise _too_many_strings(strings)
    return budget


def _wide_encoding(head: bytes) -> str | None:
    """The codec of an XML part that begins with ``head``, when it is UTF-16 or UTF-32; else None."""
    for start, encoding in _WIDE_STARTS:
        if head.startswith(start):
            return encoding
    return None


def _to_utf8(name: str, content: bytes) -> bytes | None:
    """A UTF-16/32 XML part in UTF-8, its declaration saying so; None for any other part.

    Text that is not valid in its encoding is refused, as Excel would not open it.
    """
    encoding = _wide_encoding(content[:4])
    if encoding is None or _MEDIA.match(name):
        return None
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError:
        raise FileRejected(
            "not_xlsx", detail=f"its part {name} is not valid {encoding.upper()} text"
        ) from None
    text = _ENCODING_DECLARED.sub(r'\1"UTF-8"', text.lstrip("\ufeff"), count=1)
    return text.encode("utf-8")


def _rewritten(
    data: bytes,
    parts: dict[str, _Part],
    replaced: dict[str, bytes] | None = None,
    to_utf8: bool = False,
) -> bytes:
    """The zip rebuilt in memory: the ``replaced`` parts' new content, the others' own (in UTF-8 if ``to_utf8``).

    The other parts are inflated again within the whole budget (the sizes
    declared in the directory are not trusted), and every part is deflated at
    the fastest level: a rewrite is for the rare workbook that needs one.
    """
    replaced = replaced or {}
    budget = MAX_UNCOMPRESSED_BYTES
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, part in parts.items():
            content = replaced.get(name)
            if content is None:
                chunks = []
                for chunk in _inflate(data, part):
                    budget -= len(chunk)
                    if budget < 0:
                        raise _too_large_unpacked()
                    chunks.append(chunk)
                content = b"".join(chunks)
                if to_utf8:
                    content = _to_utf8(name, content) or content
            archive.writestr(part.info.filename, content)
    return out.getvalue()


_WORKBOOK_PR = re.compile(rb"<(?:[\w.-]+:)?workbookPr(?=[\s/>])" + _ATTRS + rb">")


def _date1904(workbook_xml: bytes) -> bool:
    """True when the workbook counts dates from 1904 (``<workbookPr date1904="1"/>``, or "true")."""
    tag = _WORKBOOK_PR.search(workbook_xml)
    if tag is None:
        return False
    value = next(
        (v for k, v in _attributes(tag[1]).items() if k.rpartition(":")[2] == "date1904"), ""
    )
    return value in (
        "1",
        "true",
    )  # as calamine reads it for date cells (xsd:boolean, no other spelling)


def _check_string_table_tag(head: bytes) -> None:
    """calamine reserves room for ``uniqueCount`` strings before reading one: bound it."""
    tag = _SST_TAG.search(head)
    if tag is None:  # Excel writes <sst ...> right after the XML declaration
        raise FileRejected("not_xlsx", detail="its table of texts is malformed")
    declared = max((int(n) for n in _UNIQUE_COUNT.findall(tag[1])), default=0)
    if declared > MAX_SHARED_STRINGS:
        raise _too_many_strings(declared)


def _too_many_strings(count: int) -> FileRejected:
    return FileRejected(
        "not_xlsx",
        detail=f"its table of texts declares {count:,} entries, far more than any submission",
    )


def _part_text(data: bytes, parts: dict[str, _Part], name: str) -> bytes:
    part = parts.get(name)
    if part is None or part.inflated > 16 * 1024 * 1024:
        return b""
    return b"".join(_inflate(data, part))


_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\s" + _ATTRS + rb">")
_RELATIONSHIP_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship\s" + _ATTRS + rb">")
_ATTR = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attributes(text: bytes) -> dict[str, str]:
    """A tag's attributes, values unescaped."""
    out = {}
    for m in _ATTR.finditer(text):
        value = m[2] if m[2] is not None else m[3]
        out[m[1].decode("utf-8", "replace")] = html.unescape(value.decode("utf-8", "replace"))
    return out


def _sheet_parts(data: bytes, parts: dict[str, _Part]) -> dict[str, str]:
    """Sheet name -> the part calamine reads for it (``xl/`` + the relationship's target)."""
    targets = {}
    for tag in _RELATIONSHIP_TAG.finditer(_part_text(data, parts, "xl/_rels/workbook.xml.rels")):
        attrs = _attributes(tag[1])
        if "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            if target.startswith("/"):
                target = target[1:]
            if not re.search(
                r"\.\.|\./|//|\\", target
            ):  # else left unresolved: every part is checked
                targets[attrs["Id"]] = target if target.startswith("xl/") else "xl/" + target
    mapping = {}
    for tag in _SHEET_TAG.finditer(_part_text(data, parts, "xl/workbook.xml")):
        attrs = _attributes(tag[1])
        rel = attrs.get("r:id") or attrs.get("relationships:id")
        if "name" in attrs and rel in targets:
            mapping[attrs["name"]] = targets[rel]
    return mapping


def _guard_sheet(container: _Container, name: str) -> dict[str, bytes]:
    """Refuse a sheet whose extent would make calamine allocate too much, before it is read.

    Only cells holding a value count: a sheet whose far cells are all empty
    (a formula returning "" filled down to row 1,048,576) is not refused. As
    calamine would still allocate up to its last such cell, a part that needs
    this check and holds empty cells is returned without them ({part name:
    XML}), for the caller to read instead. Raises ``sheet_too_large`` when
    the cells with values reach too far.
    """
    part_name = container.sheet_parts.get(name)
    if part_name in container.parts:
        suspects = [container.parts[part_name]]
    else:  # not resolved as calamine would: check every part that is not simple
        suspects = list(container.parts.values())
    stripped = {}
    for part in suspects:
        if part.simple:
            continue
        found = None if part.odd else _extent_from_refs(container.data, part)
        if found is None:  # expat's count errs high: every cell with content counts
            (rows, columns), empty = _extent(container.data, part, name), False
        else:
            (rows, columns), empty = found
        if rows * columns > MAX_SHEET_CELLS:
            raise FileRejected(
                "sheet_too_large",
                sheet=name,
                cell=cell_ref(columns - 1, rows),
                cells=rows * columns,
            )
        if empty:
            stripped[part.info.filename] = _without_empty_cells(container.data, part)
    return stripped


def _extent_from_refs(data: bytes, part: _Part) -> tuple[tuple[int, int], bool] | None:
    """((last row, last column) of the cells holding a value, whether any cell holds none).

    None if a cell has no plain ref or cannot be cut out whole (then expat
    must place it). A cell without a value is a formula (or nothing) with an
    empty ``<v>``: calamine keeps it (as ""), the contract reads it blank.
    Stops early once the cells with a value pass ``MAX_SHEET_CELLS``.
    """
    rows = columns = 0
    letters = b""
    empty = False
    for window, end in _cell_windows(_inflate(data, part)):
        if end is None or _REFLESS_CELL.search(window, 0, end) or _LT_IN_VALUE.search(window):
            return None
        for cell in _VALUED_CELL.finditer(window, 0, end):
            if (len(cell[1]), cell[1]) > (len(letters), letters):
                letters = cell[1]
                columns = _ref(letters.decode())[1]
            rows = max(rows, int(cell[2]))
        empty = empty or _EMPTY_CELL.search(window, 0, end) is not None
        if rows * columns > MAX_SHEET_CELLS:
            break
    return (rows, columns), empty


def _cell_windows(chunks: Iterator[bytes]) -> Iterator[tuple[bytes, int | None]]:
    """(window, end) like ``_windows``, but cut before the last cell's start, so cells come whole.

    ``end`` is None when no cut is safe (a cell or run of text longer than ``_CARRY``).
    """
    carry = b""
    for chunk in chunks:
        window = carry + chunk
        end = window.rfind(b"<c ")
        if end < 0:
            end = window.rfind(b"<")
        if end < 0 or len(window) - end > _CARRY:
            yield window, None
            return
        yield window, end
        carry = window[end:]
    if carry:
        yield carry, len(carry)


def _without_empty_cells(data: bytes, part: _Part) -> bytes:
    """A worksheet part without its cells that hold no value, nor the rows left empty.

    Only for a part whose cells all have plain refs (``_extent_from_refs`` did
    not return None): calamine places every other cell by its ref, so none moves.
    """
    out = []
    for window, end in _cell_windows(_inflate(data, part)):
        # Rows emptied here go too (a row cut by the window's end stays, harmless).
        out.append(_EMPTY_ROW.sub(b"", _EMPTY_CELL.sub(b"", window[:end])))
    return b"".join(out)


def _ref(text: str | None) -> tuple[int, int]:
    """(row, column), 1-based, of a reference such as ``AB12``; 0 for a part it lacks."""
    letters, digits = _REF.match(text or "").groups()
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return (int(digits) if digits else 0), column


def cell_position(ref: str) -> tuple[int, int]:
    """(row, column), 1-based, of a cell reference such as ``AB12`` (or ``$AB$12``); 0 for a part it lacks."""
    return _ref(ref.replace("$", ""))


class _FarEnough(Exception):
    """Raised from expat's handlers to stop once a sheet is known to be too large."""


def _walk_cells(data: bytes, part: _Part, sheet: str, visit, with_text: bool = False) -> None:
    """Call ``visit(row, column, type, valued, text)`` for each cell of a worksheet part, placed as calamine does.

    A streaming expat parse that follows calamine's counters for rows and
    cells without a reference (0-based), erring high: counters only move
    forward, and self-closing elements (which calamine skips) move them as
    well. ``valued``: the cell has a child element (an empty ``<v/>`` too);
    ``type`` is its ``t`` attribute; ``text`` its ``<v>`` text when
    ``with_text``. ``visit`` may raise ``_FarEnough`` to stop. A part expat
    cannot parse is refused: Excel writes well-formed XML.
    """
    row = column = 0
    cell: list | None = None  # [row, column, t, valued, text parts] of the open <c>
    in_value = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, column, cell, in_value
        local = name.rpartition(":")[2]
        if cell is not None:
            cell[3] = True  # a child element: the cell has a value
            in_value = local == "v"
        if local == "row":
            found_row, _ = _ref(attrs.get("r"))
            if found_row:
                row = max(row, found_row - 1)
        elif local == "c":
            found_row, found_column = _ref(attrs.get("r"))
            if found_column:
                column = max(column, found_column - 1)
            cell = [
                found_row - 1 if found_row else row,
                found_column - 1 if found_column else column,
                attrs.get("t"),
                False,
                [],
            ]

    def text(data: str) -> None:
        if in_value and cell is not None:
            cell[4].append(data)

    def end(name: str) -> None:
        nonlocal row, column, cell, in_value
        local = name.rpartition(":")[2]
        if local == "v":
            in_value = False
        elif local == "c" and cell is not None:
            visit(cell[0], cell[1], cell[2], cell[3], "".join(cell[4]))
            cell = None
            column += 1
        elif local == "row":
            row, column = row + 1, 0

    parser = pyexpat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if with_text:
        parser.CharacterDataHandler = text
    try:
        for chunk in _inflate(data, part):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _FarEnough:
        pass
    except pyexpat.ExpatError as exc:
        raise FileRejected(
            "unreadable_sheet", sheet=sheet, detail=f"its XML is malformed at line {exc.lineno}"
        ) from None


def _extent(data: bytes, part: _Part, sheet: str) -> tuple[int, int]:
    """(last row, last column), 1-based, of the cells with a value calamine would keep from this part.

    Stops early once the extent passes ``MAX_SHEET_CELLS``.
    """
    rows = columns = 0

    def visit(row: int, column: int, _type, valued: bool, _text: str) -> None:
        nonlocal rows, columns
        if valued:
            rows, columns = max(rows, row + 1), max(columns, column + 1)
            if rows * columns > MAX_SHEET_CELLS:
                raise _FarEnough

    _walk_cells(data, part, sheet, visit)
    return rows, columns


# --- Reading cells --------------------------------------------------------------------


def _open(data: bytes):
    try:
        return python_calamine.load_workbook(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise FileRejected("password_protected") from None
    except Exception as exc:  # calamine raises several types for damaged files
        raise FileRejected("not_xlsx", detail=_first_line(exc)) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _read_sheets(
    container: _Container,
    book,
    names: list[str],
    merged: dict[str, list[str]] | None = None,
    errors: set[str] | None = None,
) -> dict[str, list[list[object]]]:
    """Each named sheet's cells from A1, rows of equal length; in parallel when the file is small.

    A cell holding an Excel error value is a ``values.ExcelError``; the names
    of the sheets holding any go into ``errors``, and each sheet's merged
    ranges ("A2:A3") into ``merged``, when they are given.
    Raises ``FileRejected`` for a sheet too large to read (``_guard_sheet``).

    calamine releases the GIL while it parses, so sheets are read in threads,
    in groups of about equal XML size, one group per core (up to
    ``MAX_THREADS``). A CalamineWorkbook cannot be shared between threads, and
    opening one parses the shared-string table again, so the main thread reads
    its group with ``book`` and each other thread opens the workbook once.
    """
    stripped: dict[str, bytes] = {}
    for name in names:
        stripped.update(_guard_sheet(container, name))
    found_errors = {}  # sheet name -> its error cells, found in the part as the workbook has it
    for name in names:
        part_name = container.sheet_parts.get(name, "")
        part = container.parts.get(part_name)
        if part is not None and part.errors:
            found_errors[name] = _error_cells(container.data, part, name)
            if not _CALAMINE_ERRORS.issuperset(found_errors[name].values()):
                content = stripped.get(part_name) or b"".join(_inflate(container.data, part))
                stripped[part_name] = _ERROR_CELL.sub(_as_known_error, content)
    if stripped:  # the sheets as calamine can read them: a new zip, opened again
        container = _check_container(_rewritten(container.data, container.parts, stripped))
        book = _open(container.data)
    read = _read_sheet_cells(container, book, names)
    cells = {}
    for name in names:
        cells[name], ranges = read[name]
        if merged is not None:
            merged[name] = ranges
        if (
            found_errors.get(name)
            and _put_back_errors(cells[name], found_errors[name])
            and errors is not None
        ):
            errors.add(name)
    return cells


_ERROR_CELL = re.compile(rb"<((?:[\w.-]+:)?)c(\s" + _IN_TAG + rb")(?<!/)>(.*?)</\1c>", re.S)
_VALUE_TEXT = re.compile(rb"(<(?:[\w.-]+:)?v(?:\s[^>]*)?>)[^<]*")


def _as_known_error(cell: re.Match) -> bytes:
    """An error cell whose value calamine does not know (``#SPILL!``) as ``#N/A``, which it reads.

    The value itself is put back from the workbook's own part (``_error_cells``).
    """
    if not _ERROR_TYPE.search(cell[2]):
        return cell[0]
    return (
        cell[0][: cell.start(3) - cell.start()]
        + _VALUE_TEXT.sub(rb"\1#N/A", cell[3])
        + cell[0][cell.end(3) - cell.start() :]
    )


def _read_sheet_cells(
    container: _Container, book, names: list[str]
) -> dict[str, tuple[list[list[object]], list[str]]]:
    """calamine's cells and merged ranges of each named sheet, in threads when worth it."""
    workers = min(MAX_THREADS, _cores(), len(names))
    if (
        workers < 2
        or len(container.data) > PARALLEL_MAX_FILE_BYTES
        or container.xml_bytes > PARALLEL_MAX_XML_BYTES
    ):
        return {name: _cells(book, name) for name in names}

    def size(name: str) -> int:
        part = container.parts.get(container.sheet_parts.get(name, ""))
        return part.inflated if part else 0

    groups: list[list[str]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for name in sorted(names, key=size, reverse=True):
        emptiest = loads.index(min(loads))
        groups[emptiest].append(name)
        loads[emptiest] += size(name)

    def read_group(
        group: list[str], opened=None
    ) -> dict[str, tuple[list[list[object]], list[str]]]:
        own = opened if opened is not None else _open(container.data)
        return {name: _cells(own, name) for name in group}

    with ThreadPoolExecutor(max_workers=workers - 1) as pool:
        futures = [pool.submit(read_group, group) for group in groups[1:] if group]
        cells = read_group(groups[0], book)
        for future in futures:
            cells.update(future.result())
    return {name: cells[name] for name in names}


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _cells(book, name: str) -> tuple[list[list[object]], list[str]]:
    """A sheet's cells from A1 (calamine gives ``""`` for an empty or error cell) and merged ranges."""
    try:
        sheet = book.get_sheet_by_name(name)
        cells = sheet.to_python(skip_empty_area=False)
        ranges = sheet.merged_cell_ranges or []
    except Exception as exc:
        raise FileRejected("unreadable_sheet", sheet=name, detail=_first_line(exc)) from None
    return cells, [
        f"{cell_ref(c1, r1 + 1)}:{cell_ref(c2, r2 + 1)}" for (r1, c1), (r2, c2) in ranges
    ]


def _error_cells(data: bytes, part: _Part, sheet: str) -> dict[tuple[int, int], str]:
    """{(row, column), 0-based: the error value} of a worksheet part's cells typed t="e".

    Cells are placed as calamine places them (``_walk_cells``). Only run on a
    part whose scan saw t="e", so the common workbook pays nothing for it.
    """
    found: dict[tuple[int, int], str] = {}

    def visit(row: int, column: int, type_: str | None, _valued: bool, text: str) -> None:
        if type_ == "e" and text.strip():
            found[(row, column)] = text.strip()

    _walk_cells(data, part, sheet, visit, with_text=True)
    return found


def _put_back_errors(cells: list[list[object]], errors: dict[tuple[int, int], str]) -> int:
    """Put each error value where calamine left ``""``; how many were put back.

    A cell beyond calamine's grid was empty to it, and one it read otherwise is left as read.
    """
    count = 0
    for (r, c), text in errors.items():
        if r < len(cells) and c < len(cells[r]) and cells[r][c] == "":
            cells[r][c] = ExcelError(text)
            count += 1
    return count


def _find_sheet(
    by_fold: dict[str, str], names: tuple[str, str], votes: dict[str, int]
) -> str | None:
    for lang, name in zip(("en", "fr"), names):
        if fold(name) in by_fold:
            votes[lang] += 1
            return by_fold[fold(name)]
    return None


def _field_lookup() -> dict[str, str]:
    lookup = {}
    for f in SUBMISSION_FIELDS:
        for label in (f.key, f.english, f.french):
            lookup[fold(label)] = f.key
    return lookup


_FIELDS = _field_lookup()


def _read_submission_fields(cells: list[list[object]]) -> dict[str, RawField]:
    """Field/value pairs: a field name in any cell, its value in the next cell to the right."""
    fields: dict[str, RawField] = {}
    for r, row in enumerate(cells, start=1):
        for c, value in enumerate(row):
            if isinstance(value, str) and (key := _FIELDS.get(fold(value))) and key not in fields:
                raw = row[c + 1] if c + 1 < len(row) else None
                fields[key] = RawField(value=raw, cell=cell_ref(c + 1, r), label=_shown(value))
                break
    return fields


def _shown(label: str) -> str:
    """A header or field name as messages quote it: trimmed, without the template's required mark ``*``."""
    return label.strip().removesuffix("*").rstrip() or label.strip()


def _header_lookup(sheet: Sheet) -> dict[str, str]:
    lookup = {}
    for column in sheet.columns:
        for label in (column.key, column.english, column.french):
            lookup[fold(label)] = column.key
    return lookup


def _blank_row(row: list[object]) -> bool:
    """True when every cell is empty or only spaces (a typical row answers at its first cell)."""
    for v in row:
        if v == "" or v is None:
            continue
        if isinstance(v, str):
            if v.strip():
                return False
        elif not is_blank(v):
            return False
    return True


def _kept_rows(cells: list[list[object]], first: int) -> list[int]:
    """Indexes of the rows from ``first`` that are not blank (a row starting with text is, at once)."""
    kept = []
    for i in range(first, len(cells)):
        row = cells[i]
        head = row[0] if row else ""
        if (head.__class__ is str and head.strip()) or not _blank_row(row):
            kept.append(i)
    return kept


def _blank_as_none(column: tuple[object, ...]) -> list[object]:
    """A column's cells with calamine's ``""`` for an empty cell as None."""
    if "" not in column:
        return list(column)
    return [None if v == "" else v for v in column]


def _read_data_sheet(
    sheet: Sheet, name: str, cells: list[list[object]], merged=(), errors: bool = False
) -> RawSheet:
    """The sheet's header row, known columns and non-blank rows, or ``missing_column``.

    ``errors``: the sheet may hold error values (then ``RawSheet.errors`` says
    whether a known column does; else no cell is looked at for them).
    """
    lookup = _header_lookup(sheet)
    required = {c.key for c in sheet.required_columns}
    best: tuple[int, set[str]] = (0, set())
    header_index = None
    for r, row in enumerate(cells[: MAX_TITLE_ROWS + 1]):
        keys = {lookup.get(fold(v)) for v in row if isinstance(v, str)} - {None}
        if required <= keys:
            header_index = r
            break
        if len(keys & required) > len(best[1]):
            best = (r, keys & required)
    if header_index is None:
        missing = [c for c in sheet.required_columns if c.key not in best[1]]
        raise FileRejected(
            "missing_column",
            sheet=name,
            columns=[c.english for c in missing],
            columns_fr=[c.french for c in missing],
        )

    columns: dict[str, RawColumn] = {}
    unknown: list[tuple[int, str]] = []
    for c, value in enumerate(cells[header_index]):
        header = (
            _shown(value) if isinstance(value, str) else ("" if is_blank(value) else str(value))
        )
        key = lookup.get(fold(header)) if header else None
        if key and key not in columns:
            columns[key] = RawColumn(key, c, header)
        elif header:
            unknown.append((c, header))

    first = header_index + 1
    kept = _kept_rows(cells, first)
    rows = [i + 1 for i in kept]  # Excel row numbers
    body = cells[first:] if len(kept) == len(cells) - first else [cells[i] for i in kept]
    width = max(map(len, body), default=0)
    if any(len(row) != width for row in body):  # to_python() gives equal rows; be safe anyway
        body = [list(row) + [""] * (width - len(row)) for row in body]
    by_index = list(zip(*body)) if body else []
    values = {
        key: _blank_as_none(by_index[col.index]) if col.index < width else [None] * len(rows)
        for key, col in columns.items()
    }
    errors = (
        any(v.__class__ is ExcelError for column in values.values() for v in column)
        if errors
        else False
    )
    return RawSheet(
        sheet, name, header_index + 1, columns, unknown, rows, values, list(merged), errors
    )
