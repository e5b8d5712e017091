"""Stage 1, read: open a submission workbook safely and return its raw cells.

The reader finds the contract's sheets and columns by their folded names (in
English or French), the header row under up to ten title rows, and returns
every cell of the known columns as Excel holds it: nothing is parsed here,
so ``02040`` stays text and ``n/a`` stays ``n/a``. Everything a workbook can do
to hurt the machine (not a workbook, encrypted, a decompression bomb, XML
entities) is refused before python-calamine sees it, as a ``FileRejected``
carrying one plain sentence.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from connector_rollup.contract import (
    DATA_SHEETS,
    SUBMISSION_FIELDS,
    SUBMISSION_SHEET,
    Sheet,
)
from connector_rollup.values import fold, is_blank

MAX_TITLE_ROWS = 10
# A real submission is a few MB of XML; far more is a decompression bomb.
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
MAX_FILE_BYTES = 100 * 1024 * 1024
_CHUNK = 1024 * 1024


class FileRejected(Exception):
    """The whole workbook is unusable. ``code`` is stable; ``params`` fill the message."""

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params


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
        data = _read_bytes(path)
    _check_container(data)
    try:
        book = python_calamine.load_workbook(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise FileRejected("password_protected") from None
    except Exception as exc:  # calamine raises several types for damaged files
        raise FileRejected("not_xlsx", detail=str(exc).splitlines()[0][:200]) from None

    by_fold = {fold(name): name for name in reversed(book.sheet_names)}
    language_votes = {"en": 0, "fr": 0}
    submission_name = _find_sheet(by_fold, SUBMISSION_SHEET, language_votes)
    if submission_name is None:
        raise FileRejected("missing_sheet", sheet=SUBMISSION_SHEET[0], sheet_fr=SUBMISSION_SHEET[1])
    found: dict[str, str] = {}
    for sheet in DATA_SHEETS:
        name = _find_sheet(by_fold, (sheet.english, sheet.french), language_votes)
        if name is None:
            if sheet.required:
                raise FileRejected("missing_sheet", sheet=sheet.english, sheet_fr=sheet.french)
            continue
        found[sheet.key] = name
    language = "fr" if language_votes["fr"] > language_votes["en"] else "en"

    workbook = RawWorkbook(
        file_name=path.name,
        sha256=sha256_of(data),
        language=language,
        submission_sheet=submission_name,
        fields=_read_submission_fields(_cells(book, submission_name)),
    )
    for sheet in DATA_SHEETS:
        if sheet.key in found:
            workbook.sheets[sheet.key] = _read_data_sheet(sheet, found[sheet.key], _cells(book, found[sheet.key]))
    return workbook


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileRejected("too_large", megabytes=size // (1024 * 1024))
        return path.read_bytes()
    except OSError as exc:
        raise FileRejected("unreadable", detail=exc.strerror or str(exc)) from None


def _check_container(data: bytes) -> None:
    """Refuse anything but a plain, reasonably sized, entity-free .xlsx zip."""
    if not data.strip():
        raise FileRejected("empty_file")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE2 compound file: an encrypted .xlsx or an old binary .xls.
        if "EncryptedPackage".encode("utf-16-le") in data[:1_000_000] or b"EncryptedPackage" in data:
            raise FileRejected("password_protected")
        raise FileRejected("old_xls")
    if not data.startswith(b"PK"):
        head = data[:512].lstrip().lower()
        kind = "html" if head.startswith((b"<!doctype html", b"<html")) else "text"
        raise FileRejected("not_xlsx_" + kind)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise FileRejected("corrupt") from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise FileRejected("not_xlsx_zip")
    declared = sum(m.file_size for m in members)
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise FileRejected("too_large_unpacked", megabytes=declared // (1024 * 1024))
    # Sizes in the zip directory can lie: inflate for real, within a budget,
    # and look at each XML part's prolog for DTDs (entity expansion, XXE).
    budget = MAX_UNCOMPRESSED_BYTES
    try:
        for member in members:
            if not member.filename.endswith((".xml", ".rels", ".vml")):
                continue
            with archive.open(member) as stream:
                first = True
                while chunk := stream.read(_CHUNK):
                    if first and b"<!DOCTYPE" in chunk[:4096].upper() or first and b"<!ENTITY" in chunk[:4096].upper():
                        raise FileRejected("unsafe_xml", part=member.filename)
                    first = False
                    budget -= len(chunk)
                    if budget < 0:
                        raise FileRejected("too_large_unpacked", megabytes=MAX_UNCOMPRESSED_BYTES // (1024 * 1024))
    except FileRejected:
        raise
    except Exception:  # truncated or damaged compressed data, bad CRC
        raise FileRejected("corrupt") from None


def _find_sheet(by_fold: dict[str, str], names: tuple[str, str], votes: dict[str, int]) -> str | None:
    for lang, name in zip(("en", "fr"), names):
        if fold(name) in by_fold:
            votes[lang] += 1
            return by_fold[fold(name)]
    return None


def _cells(book, name: str) -> list[list[object]]:
    try:
        return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:
        raise FileRejected("unreadable_sheet", sheet=name, detail=str(exc).splitlines()[0][:200]) from None


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
                fields[key] = RawField(value=raw, cell=cell_ref(c + 1, r), label=value.strip())
                break
    return fields


def _header_lookup(sheet: Sheet) -> dict[str, str]:
    lookup = {}
    for column in sheet.columns:
        for label in (column.key, column.english, column.french):
            lookup[fold(label)] = column.key
    return lookup


def _read_data_sheet(sheet: Sheet, name: str, cells: list[list[object]]) -> RawSheet:
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
        header = value.strip() if isinstance(value, str) else ("" if is_blank(value) else str(value))
        key = lookup.get(fold(header)) if header else None
        if key and key not in columns:
            columns[key] = RawColumn(key, c, header)
        elif header:
            unknown.append((c, header))

    rows: list[int] = []
    values: dict[str, list[object]] = {key: [] for key in columns}
    indexes = [(key, col.index) for key, col in columns.items()]
    for r in range(header_index + 1, len(cells)):
        row = cells[r]
        if all(v == "" or is_blank(v) for v in row):
            continue
        rows.append(r + 1)
        for key, index in indexes:
            v = row[index] if index < len(row) else None
            values[key].append(None if v == "" else v)
    return RawSheet(sheet, name, header_index + 1, columns, unknown, rows, values)


def peek_community(data: bytes) -> str | None:
    """The community code a workbook's Submission sheet names, or None; reads nothing else."""
    try:
        _check_container(data)
        book = python_calamine.load_workbook(io.BytesIO(data))
        by_fold = {fold(name): name for name in reversed(book.sheet_names)}
        name = _find_sheet(by_fold, SUBMISSION_SHEET, {"en": 0, "fr": 0})
        if name is None:
            return None
        found = _read_submission_fields(_cells(book, name)).get("community_code")
    except Exception:  # anything wrong is found and explained by the full read
        return None
    if found is None or not isinstance(found.value, (str, int, float)) or isinstance(found.value, bool):
        return None
    return str(found.value).strip().upper() or None
