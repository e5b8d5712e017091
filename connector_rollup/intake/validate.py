"""Stage 2, validate: check workbooks against the contract and keep their valid rows.

``validate_workbook`` never raises for anything a community sent: a file
error becomes a rejected ``Submission`` with one plain sentence; a row error
becomes an ``Issue`` naming the sheet, row, header, cell and value, and only
that row is left out. Single-cell rules live in the Pandera models of
``schemas/``; the rules that need the submission's context (its quarter, the
registry, the other sheets) are here.

Several workbooks are checked together, one sheet kind at a time: their
rows are stacked, each column is parsed once, the model runs once, and the
within-workbook rules are vectorised over the stack keyed by workbook. The
cost of a call is then mostly per sheet kind and per column, not per
workbook; the verdicts are those each workbook gets alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from itertools import chain, repeat
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow

from connector_rollup import messages, values
from connector_rollup.contract import (
    DATA_SHEETS,
    DATE,
    EMAIL,
    ENUM,
    ENUMERATIONS,
    ID,
    NAME,
    NOC,
    REFERENCES,
    SHEETS_BY_KEY,
    SUBMISSION_FIELDS,
    TEXT,
    UNRESOLVED_ID_CODES,
    YES_NO,
    Column,
    Sheet,
)
from connector_rollup.intake.read import (
    FileRejected,
    RawSheet,
    RawWorkbook,
    cell_position,
    cell_ref,
    read_bytes,
    read_workbook,
)
from connector_rollup.periods import PROGRAM_START, Period
from connector_rollup.registry import Community
from connector_rollup.submission import ERROR, WARNING, Issue, Submission
from schemas import SCHEMAS

# Pandera's own check names, as issue codes.
PANDERA_CODES = {"not_nullable": "required"}

_PARSERS = {
    TEXT: values.parse_text,
    NAME: values.parse_name,
    ID: values.parse_id,
    EMAIL: values.parse_email,
    DATE: values.parse_date,
    YES_NO: values.parse_yes_no,
    NOC: values.parse_noc,
}

MAX_VALUE_CHARS = 80


def validate_workbook(
    path: str | Path,
    registry: dict[str, Community],
    data: bytes | None = None,
    default_language: str = "en",
) -> Submission:
    """Read and check one workbook on its own; never raises for bad input.

    ``default_language``: the language of a rejection's sentence when the
    file says none (it is not a workbook, or its sheets could not be read);
    the portal passes the coordinator's own.
    """
    return validate_workbooks([(Path(path), data)], registry, default_language)[0]


def validate_workbooks(
    workbooks: list[tuple[Path, bytes | None]],
    registry: dict[str, Community],
    default_language: str = "en",
) -> list[Submission]:
    """Check several workbooks, each on its own, in the order given; never raises for bad input.

    The verdicts are the ones ``validate_workbook`` gives each workbook alone.
    The work is done per sheet kind over all the workbooks at once (see
    ``_Batch``): its cost is mostly per call and per column, not per row.
    """
    results = [_open_book(Path(path), data, registry, default_language) for path, data in workbooks]
    books = [r for r in results if isinstance(r, _Book)]
    checked: dict[str, _Batch] = {}  # the sheet kinds done, whose IDs the later ones name
    for sheet in DATA_SHEETS:
        batch = _Batch.stack(sheet, books)
        if batch is not None:
            _check(batch, checked)
            _keep_valid_rows(batch)
            checked[sheet.key] = batch
    return [r.finish() if isinstance(r, _Book) else r for r in results]


def _open_book(
    path: Path, data: bytes | None, registry: dict[str, Community], default_language: str = "en"
) -> _Book | Submission:
    """The workbook read and identified, or its rejection (a file error)."""
    try:
        if data is None:
            data = read_bytes(path)  # bounded: no FIFO, nothing over the size limit
        raw = read_workbook(path, data)
    except FileRejected as rejected:
        language = rejected.language or default_language
        return _rejected(path.name, data, rejected, language, registry)
    try:
        return _Book.identify(raw, registry)
    except FileRejected as rejected:
        rejected.fields = raw.fields
        return _rejected(
            path.name,
            data,
            rejected,
            raw.language,
            registry,
            sha256=raw.sha256,
            date1904=raw.date1904,
        )


def _rejected(
    file_name,
    data,
    rejected: FileRejected,
    lang: str,
    registry: dict[str, Community],
    sha256: str | None = None,
    date1904: bool = False,
) -> Submission:
    """A rejected workbook, named by whatever its Submission sheet says that can be read.

    A registered community code, a readable quarter and date are kept even
    though the file is rejected, so the reports show the file on its
    community's page (issue 7); anything unreadable stays None.
    """
    from connector_rollup.intake.read import sha256_of

    reason = messages.file_message(rejected.code, lang, **rejected.params)
    if sha256 is None:
        sha256 = sha256_of(data) if data is not None else ""
    issue = Issue(file_name, "", None, "", "", ERROR, rejected.code, "", reason)
    code = (
        values.parse_id(rejected.fields["community_code"].value)
        if "community_code" in rejected.fields
        else None
    )
    community = registry.get(code.upper()) if isinstance(code, str) else None
    quarter = rejected.fields.get("reporting_quarter")
    submitted = rejected.fields.get("submitted_on")
    submitted_on = values.parse_date(submitted.value, date1904) if submitted else None
    period = Period.parse(values.parse_text(quarter.value)) if quarter else None
    issue.community_code = community.code if community else None
    issue.period = period.label if period else None
    return Submission(
        file_name,
        sha256,
        "rejected",
        lang,
        reason=reason,
        issues=[issue],
        community_code=issue.community_code,
        period=period,
        submitted_on=submitted_on if isinstance(submitted_on, dt.date) else None,
    )


@dataclass
class _Book:
    """An identified workbook on its way to a verdict; its issues come sheet kind by sheet kind."""

    raw: RawWorkbook
    submission: Submission
    context: _Context
    issues: list[Issue] = field(default_factory=list)

    @classmethod
    def identify(cls, raw: RawWorkbook, registry: dict[str, Community]) -> _Book:
        """Check the Submission sheet (or raise ``FileRejected``); its row-level errors are kept."""
        field_errors = _submission_error_values(raw)
        community, period, submitted_on = _identify(raw, registry)
        submission = Submission(
            raw.file_name,
            raw.sha256,
            "accepted",
            raw.language,
            community_code=community.code,
            period=period,
            submitted_on=submitted_on,
        )
        submission.issues.extend(field_errors)
        submission.tracks_jobs = _tracks_jobs(raw, submission)
        _check_coordinator_email(raw, submission)
        _check_jobs_sheet(raw, submission)
        return cls(raw, submission, _Context(raw.language, raw.file_name, community, period))

    def finish(self) -> Submission:
        """The submission, its issues in the order the sheets read, labelled with its community."""
        submission, context = self.submission, self.context
        submission.issues.extend(self.issues)
        order = {key: n for n, key in enumerate(["submission", *(s.key for s in DATA_SHEETS)])}
        # Within a row, by column: B before AA. A stable sort: one cell's issues keep their order.
        submission.issues.sort(
            key=lambda i: (order.get(i.sheet_key, -1), i.row or 0, len(i.cell), i.cell)
        )
        for issue in submission.issues:
            issue.community_code, issue.period = context.community.code, context.period.label
        return submission


@dataclass
class _Context:
    lang: str
    file_name: str
    community: Community
    period: Period

    def issue(
        self,
        sheet: RawSheet,
        row: int | None,
        column: Column | None,
        severity: str,
        code: str,
        raw_value: object = None,
        **params: object,
    ) -> Issue:
        header = ""
        cell = ""
        if column is not None:
            found = sheet.columns.get(column.key)
            header = found.header if found else column.header(self.lang)
            if found and row is not None:
                cell = cell_ref(found.index, row)
        value = values.parse_text(raw_value) or ""
        # An unresolved ID is kept whole: history.resolve_references looks it up by this value.
        if len(value) > MAX_VALUE_CHARS and code not in UNRESOLVED_ID_CODES:
            value = value[: MAX_VALUE_CHARS - 1] + "…"
        problem, fix = messages.cell_message(code, self.lang, column=header, value=value, **params)
        merged = _merged_range(sheet.merged, cell) if sheet.merged and cell else None
        if merged is not None:  # why a cell that looks filled in Excel reads blank
            clause, unmerge = messages.cell_message(
                "merged_cell", self.lang, range=merged[0], first=merged[1]
            )
            problem, fix = f"{problem} {clause}", f"{fix} {unmerge}"
        return Issue(
            self.file_name,
            sheet.name,
            row,
            header,
            cell,
            severity,
            code,
            value,
            problem,
            fix,
            column.key if column else "",
            sheet.sheet.key,
            merged_range=merged[0] if merged else "",
        )

    def header_issue(
        self, sheet: RawSheet, index: int, header: str, code: str, value: str
    ) -> Issue:
        """A warning about a header cell (column ``index``, 0-based) of ``sheet``."""
        issue = self.issue(sheet, None, None, WARNING, code, value)
        issue.row, issue.column, issue.cell = (
            sheet.header_row,
            header,
            cell_ref(index, sheet.header_row),
        )
        return issue


def _merged_range(ranges: list[str], cell: str) -> tuple[str, str] | None:
    """(range, its first cell) when ``cell`` lies in one of the merged ``ranges`` but is not its first cell."""
    row, column = cell_position(cell)
    for text in ranges:
        first, _, last = text.partition(":")
        (top, left), (bottom, right) = cell_position(first), cell_position(last or first)
        if top <= row <= bottom and left <= column <= right and (row, column) != (top, left):
            return text, first
    return None


def _field_value(raw: RawWorkbook, key: str):
    found = raw.fields.get(key)
    return (found.value, found.cell) if found else (None, "")


def _identify(
    raw: RawWorkbook, registry: dict[str, Community]
) -> tuple[Community, Period, dt.date]:
    """The community, quarter and date the workbook says it is for, or a file error."""
    sheet = raw.submission_sheet
    code_value, code_cell = _field_value(raw, "community_code")
    code = values.parse_id(code_value)
    if code is None:
        raise FileRejected("missing_community")
    community = registry.get(code.upper())
    if community is None:
        raise FileRejected("unknown_community", value=code[:40], cell=f"{sheet}!{code_cell}")
    quarter_value, quarter_cell = _field_value(raw, "reporting_quarter")
    period = Period.parse(values.parse_text(quarter_value))
    if period is None:
        raise FileRejected(
            "bad_quarter",
            value=(values.parse_text(quarter_value) or "")[:40],
            cell=f"{sheet}!{quarter_cell or 'B'}",
        )
    date_value, date_cell = _field_value(raw, "submitted_on")
    submitted_on = values.parse_date(date_value, raw.date1904)
    if not isinstance(submitted_on, dt.date):
        raise FileRejected(
            "bad_submitted_on",
            value=(values.parse_text(date_value) or "")[:40],
            cell=f"{sheet}!{date_cell or 'B'}",
        )
    return community, period, submitted_on


_CELL_ROW = re.compile(r"(\d+)$")


def _submission_error_values(raw: RawWorkbook) -> list[Issue]:
    """Excel error values (``#N/A``) in the Submission sheet's fields.

    In a required field the workbook cannot be placed: ``FileRejected``
    quoting the value. In an optional one (the coordinator's name or email),
    an error issue at its cell, which is then read as blank.
    """
    issues = []
    for f in SUBMISSION_FIELDS:
        found = raw.fields.get(f.key)
        if found is None or not isinstance(found.value, values.ExcelError):
            continue
        if f.required:
            raise FileRejected(
                "submission_excel_error",
                field=found.label,
                value=str(found.value),
                cell=f"{raw.submission_sheet}!{found.cell}",
            )
        issues.append(_submission_issue(raw, f.key, "excel_error", found.value, ""))
        found.value = None
    return issues


def _submission_issue(raw: RawWorkbook, key: str, code: str, value: object, expected: str) -> Issue:
    """An error in the Submission sheet's value cell for field ``key``; its label as the community wrote it."""
    lang = raw.language
    found = raw.fields.get(key)
    label = found.label if found else next(f for f in SUBMISSION_FIELDS if f.key == key).label(lang)
    cell = found.cell if found else ""
    text = values.parse_text(value) or ""
    if code == "excel_error":
        message = code
    else:
        message = "submission_field_blank" if text == "" else "submission_field"
    problem, fix = messages.cell_message(
        message, lang, column=label, value=text[:MAX_VALUE_CHARS], expected=expected
    )
    row = int(_CELL_ROW.search(cell)[1]) if cell else None
    return Issue(
        raw.file_name,
        raw.submission_sheet,
        row,
        label,
        cell,
        ERROR,
        code,
        text[:MAX_VALUE_CHARS],
        problem,
        fix,
        key,
        "submission",
    )


def _tracks_jobs(raw: RawWorkbook, submission: Submission) -> bool:
    """The Tracks jobs answer; when missing or unreadable, an error and whether a Jobs sheet has rows."""
    value, _ = _field_value(raw, "tracks_jobs")
    answer = values.parse_yes_no(value)
    if isinstance(answer, bool):
        return answer
    has_jobs = bool(raw.sheets.get("jobs") and raw.sheets["jobs"].rows)
    expected = "Write Yes or No." if raw.language == "en" else "Écrivez Oui ou Non."
    code = "required" if answer is None else "bad_yes_no"
    submission.issues.append(_submission_issue(raw, "tracks_jobs", code, value, expected))
    return has_jobs


def _check_jobs_sheet(raw: RawWorkbook, submission: Submission) -> None:
    """Tracks jobs is Yes but no Jobs sheet holds anything (absent, or empty: as good as absent): a warning."""
    if submission.tracks_jobs is not True or "jobs" in raw.sheets:
        return
    found = raw.fields.get("tracks_jobs")
    label = (
        found.label
        if found
        else next(f for f in SUBMISSION_FIELDS if f.key == "tracks_jobs").label(raw.language)
    )
    cell = found.cell if found else ""
    sheet = raw.empty_sheets.get("jobs") or SHEETS_BY_KEY["jobs"].name(raw.language)
    value = values.parse_text(found.value) if found else ""
    problem, fix = messages.cell_message(
        "jobs_sheet_empty", raw.language, column=label, sheet=sheet
    )
    row = int(_CELL_ROW.search(cell)[1]) if cell else None
    submission.issues.append(
        Issue(
            raw.file_name,
            raw.submission_sheet,
            row,
            label,
            cell,
            WARNING,
            "jobs_sheet_empty",
            value or "",
            problem,
            fix,
            "tracks_jobs",
            "submission",
        )
    )


def _check_coordinator_email(raw: RawWorkbook, submission: Submission) -> None:
    """The optional coordinator email, when given, is one address."""
    value, _ = _field_value(raw, "coordinator_email")
    email = values.parse_email(value)
    if email is not None and not re.match(values.EMAIL_PATTERN, email):
        expected = (
            "Write one address like name@example.ca, or leave the cell empty."
            if raw.language == "en"
            else "Écrivez une seule adresse comme nom@exemple.ca, ou laissez la cellule vide."
        )
        submission.issues.append(
            _submission_issue(raw, "coordinator_email", "bad_email", value, expected)
        )


# --- One sheet kind over all the workbooks ---------------------------------


@dataclass
class _Column:
    """One column's parsed cells over a batch: row ``i`` holds ``distinct[codes[i]]``."""

    column: Column
    codes: np.ndarray  # intp, one per row
    distinct: np.ndarray  # object: the parsed values (str, date, bool, None or INVALID)

    @classmethod
    def parse(cls, column: Column, cells: Iterable[object], errors: bool = False) -> _Column:
        """Parse the cells with the column's parser, each distinct raw value once.

        ``errors``: some cell may hold an Excel error value; it parses as
        blank, since ``_check_error_values`` reports it and rejects its row.
        """
        if column.type == ENUM:
            parser = partial(values.parse_enum, column.enumeration)
        else:
            parser = _PARSERS[column.type]
        if errors:
            parser = partial(_blank_if_error, parser)
        codes, parsed = values.parse_distinct(parser, cells)
        distinct = np.empty(len(parsed), dtype=object)
        distinct[:] = parsed  # element by element: no value is a sequence numpy would unpack
        return cls(column, codes, distinct)

    @cached_property
    def cells(self) -> np.ndarray:
        """Every row's parsed value, as an object array."""
        return self.distinct[self.codes]

    @cached_property
    def days(self) -> np.ndarray:
        """Every row's date as ``datetime64[D]``; NaT where the cell holds no date."""
        # Day numbers from ordinals: numpy converts date objects one by one, ten times slower.
        distinct = np.array(
            [
                v.toordinal() - _UNIX_EPOCH if isinstance(v, dt.date) else _NAT
                for v in self.distinct
            ],
            dtype=np.int64,
        )
        return distinct.view("datetime64[D]")[self.codes]


def _blank_if_error(parser, raw: object) -> object:
    return None if isinstance(raw, values.ExcelError) else parser(raw)


_UNIX_EPOCH = dt.date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min  # NaT as datetime64's integer


@dataclass
class _Batch:
    """One sheet kind's rows of all the workbooks, stacked in workbook order.

    Row ``i`` is Excel row ``row[i]`` of ``books[owner[i]]``; a workbook's rows
    are contiguous, ``bounds[b]:bounds[b + 1]`` (empty when it has no such
    sheet: ``present[b]`` is False). Each rule that holds within one workbook
    is one vectorised pass keyed by ``owner``; ``bad`` marks the rows an error
    rejects. Every batch of a call shares one ``books`` list, so an owner
    means the same workbook in all of them.
    """

    sheet: Sheet
    books: list[_Book]
    present: np.ndarray
    owner: np.ndarray
    row: np.ndarray
    bounds: np.ndarray
    columns: dict[str, _Column]
    bad: np.ndarray

    @classmethod
    def stack(cls, sheet: Sheet, books: list[_Book]) -> _Batch | None:
        """The sheet's rows of the workbooks that have it, each column parsed once (or None)."""
        raws = [book.raw.sheets.get(sheet.key) for book in books]
        present = np.array([raw is not None for raw in raws], dtype=bool)
        if not present.any():
            return None
        owners = [book for book, raw in zip(books, raws) if raw is not None]
        raws = [raw for raw in raws if raw is not None]
        counts = np.zeros(len(books), dtype=np.intp)
        counts[present] = [len(raw.rows) for raw in raws]
        bounds = np.concatenate([[0], np.cumsum(counts)])
        errors = any(raw.errors for raw in raws)
        columns = {}
        for c in sheet.columns:
            cells = chain.from_iterable(
                _cells_as_1900(book, raw, c) for book, raw in zip(owners, raws)
            )
            columns[c.key] = _Column.parse(c, cells, errors)
        rows = chain.from_iterable(raw.rows for raw in raws)
        return cls(
            sheet,
            books,
            present,
            owner=np.repeat(np.arange(len(books)), counts),
            row=np.fromiter(rows, dtype=np.int64, count=bounds[-1]),
            bounds=bounds,
            columns=columns,
            bad=np.zeros(bounds[-1], dtype=bool),
        )

    def book_at(self, position: int) -> _Book:
        """The workbook row ``position`` comes from."""
        return self.books[self.owner[position]]

    def raw_value(self, position: int, column_key: str) -> object:
        """The cell of row ``position`` as the community wrote it (None: the column is absent)."""
        b = self.owner[position]
        cells = self.books[b].raw.sheets[self.sheet.key].values.get(column_key)
        return None if cells is None else cells[position - self.bounds[b]]

    def report(
        self,
        position: int,
        column_key: str,
        severity: str,
        code: str,
        raw_value: object,
        **params: object,
    ) -> None:
        """File an issue about one cell with its workbook; an error rejects the row."""
        book = self.book_at(position)
        sheet, column = book.raw.sheets[self.sheet.key], self.sheet.column(column_key)
        row = int(self.row[position])
        issue = book.context.issue(sheet, row, column, severity, code, raw_value, **params)
        book.issues.append(issue)
        if severity == ERROR:
            self.bad[position] = True


def _cells_as_1900(book: _Book, raw: RawSheet, column: Column) -> Iterable[object]:
    """A workbook's cells of ``column``, serial numbers in date columns on the 1900 system.

    A column the workbook lacks reads blank. A 1904-system workbook's serials
    are moved to the 1900 system here, so that every workbook's dates parse
    alike in one stacked column (spec: a serial is read on the workbook's epoch).
    """
    cells = raw.values.get(column.key)
    if cells is None:
        return repeat(None, len(raw.rows))
    if column.type == DATE and book.raw.date1904:
        return map(values.serial_on_1900_system, cells)
    return cells


def _check(batch: _Batch, checked: dict[str, _Batch]) -> None:
    """Find the batch's issues, each filed with its workbook in the order the rules run."""
    for book, present in zip(batch.books, batch.present):
        if present:
            book.issues.extend(_header_issues(book.raw.sheets[batch.sheet.key], book.context))
    _check_error_values(batch)
    _check_model(batch)
    _check_duplicates(batch)
    _check_dates(batch)
    if batch.sheet.key == "connectees":
        _check_eligibility(batch)
    # Last: a row rejected by any rule above defines no ID and has no reference checked.
    _check_references(batch, checked)


def _check_error_values(batch: _Batch) -> None:
    """A cell holding an Excel error value (``#N/A``): an error quoting it; never read as blank."""
    for b, book in enumerate(batch.books):
        raw = book.raw.sheets.get(batch.sheet.key) if batch.present[b] else None
        if raw is None or not raw.errors:
            continue
        for column in batch.sheet.columns:  # in the sheet's order, as the other rules report
            for i, value in enumerate(raw.values.get(column.key) or ()):
                if isinstance(value, values.ExcelError):
                    batch.report(int(batch.bounds[b]) + i, column.key, ERROR, "excel_error", value)


def _check_model(batch: _Batch) -> None:
    """The single-cell rules: the sheet's Pandera model, run once over all the workbooks' rows."""
    if not len(batch.row):  # nothing to fail
        return
    for column_key, position, code in _schema_failures(_schema(batch.sheet.key), batch):
        column = batch.sheet.column(column_key)
        params = {}
        if code == "bad_choice":
            params["choices"] = _choices(column.enumeration, batch.book_at(position).context.lang)
        raw_value = batch.raw_value(position, column_key)
        if isinstance(raw_value, values.ExcelError):
            continue  # said by _check_error_values: an error value is not a blank
        batch.report(position, column_key, ERROR, code, raw_value, **params)


@lru_cache(maxsize=None)
def _schema(sheet_key: str) -> pa.DataFrameSchema:
    """The sheet's schema, once checked to hold only what ``_schema_failures`` runs.

    Dtypes are not checked (every column holds parsed Python objects), and
    columns the schema sets no rule for (optional text) are skipped: they
    cannot fail. Raises ``TypeError`` if the schema uses a feature that
    ``_schema_failures`` does not run, so that none is ever skipped silently.
    """
    schema = SCHEMAS[sheet_key]
    _check_supported(schema)
    return schema


def _check_supported(schema: pa.DataFrameSchema) -> None:
    """Refuse a schema holding what ``_schema_failures`` does not implement."""
    unsupported = [
        what
        for what, present in (
            ("index", schema.index is not None),
            ("unique", bool(schema.unique)),
            ("parsers", bool(getattr(schema, "parsers", None))),
            ("coerce", schema.coerce),
        )
        if present
    ]
    for name, column in schema.columns.items():
        for what, present in (
            ("unique", column.unique),
            ("coerce", column.coerce),
            ("regex", column.regex),
            ("parsers", bool(getattr(column, "parsers", None))),
        ):
            if present:
                unsupported.append(f"{name}: {what}")
    for owner, check in chain(
        ((name, c) for name, column in schema.columns.items() for c in column.checks),
        ((None, c) for c in schema.checks),
    ):
        if check.groupby is not None or check.element_wise or check.ignore_na:
            unsupported.append(f"{owner or schema.name}: check {check.name}")
    if unsupported:
        raise TypeError(f"validate._schema_failures cannot run: {', '.join(unsupported)}")


def _schema_failures(schema: pa.DataFrameSchema, batch: _Batch) -> list[tuple[str, int, str]]:
    """(column, row position, code) for every cell the schema rejects, by row then column.

    What ``schema.validate(frame, lazy=True)`` reports, found without Pandera's
    machinery: a column that is not nullable fails ``not_nullable`` on its
    blanks; each column check, a function of the column's values, fails where
    it returns False; each dataframe check, where it returns False for a row.
    Column checks are given each column's distinct parsed values (every check
    of ``schemas.checks`` judges a value by itself), and the rows take their
    verdicts. Pandera's own ``validate`` costs a fixed 5-10 ms a call, and its
    first call registers its pandas backend, which imports hypothesis when
    installed (about 300 ms); the verdicts are the same.
    """
    keys = [c.key for c in batch.sheet.columns if c.key in schema.columns]  # in the sheet's order
    failures = []
    for order, key in enumerate(keys):
        column, parsed = schema.columns[key], batch.columns[key]
        if column.nullable and not column.checks:  # optional text: nothing to fail
            continue
        distinct = pd.Series(parsed.distinct, dtype=object, name=key)
        verdicts = []  # (code, distinct value fails)
        if not column.nullable:
            verdicts.append(("not_nullable", distinct.isna().to_numpy()))
        for check in column.checks:
            verdicts.append((check.name, ~_passed(check, distinct)))
        for check_name, fails in verdicts:
            if not fails.any():
                continue
            code = PANDERA_CODES.get(check_name, check_name)
            for position in np.flatnonzero(fails[parsed.codes]):
                failures.append((int(position), order, key, code))
    if schema.checks:
        frame = pd.DataFrame({key: batch.columns[key].cells for key in keys}, dtype=object)
        for check in schema.checks:
            code = PANDERA_CODES.get(check.name, check.name)
            key = "intake_meeting_date" if code == "required_when_accepted" else None
            named = [key] if key is not None else keys  # Pandera names every column of the row
            for position in np.flatnonzero(~_passed(check, frame)):
                for column_key in named:
                    failures.append((int(position), keys.index(column_key), column_key, code))
    # Once each, by row then column.
    seen, out = set(), []
    for position, _order, column_key, code in sorted(failures, key=lambda f: (f[0], f[1])):
        if (column_key, position, code) not in seen:
            seen.add((column_key, position, code))
            out.append((column_key, position, code))
    return out


def _passed(check: pa.Check, data: pd.Series | pd.DataFrame) -> np.ndarray:
    """The check's verdict on ``data``: a bool per row (Pandera's ``Check`` with ``ignore_na=False``)."""
    result = check._check_fn(data)  # the check's own function, as Pandera's backend calls it
    if isinstance(result, (bool, np.bool_)):
        return np.full(len(data), bool(result))
    return np.asarray(result, dtype=bool)


def _check_duplicates(batch: _Batch) -> None:
    """An ID written twice in one workbook's sheet: every copy is rejected."""
    key = batch.sheet.unique_id
    if key is None:
        return
    (pairs,) = _pair_keys((batch.owner, batch.columns[key]))
    repeated = np.flatnonzero((pairs >= 0) & pd.Series(pairs).duplicated(keep=False).to_numpy())
    rows_of: dict[int, list[str]] = defaultdict(list)
    for position in repeated:
        rows_of[pairs[position]].append(str(batch.row[position]))
    for position in repeated:
        batch.report(
            position,
            key,
            ERROR,
            "duplicate_id",
            batch.raw_value(position, key),
            rows=", ".join(rows_of[pairs[position]]),
        )


def _pair_keys(*parts: tuple[np.ndarray, _Column]) -> list[np.ndarray]:
    """For each (owner, column) given, a key per row: equal across them exactly when the workbook
    and the parsed value are; -1 for a blank cell.

    Only the distinct values are compared, then the rows take their codes.
    """
    # A blank's code is -1.
    codes, uniques = pd.factorize(np.concatenate([column.distinct for _, column in parts]))
    keys, start = [], 0
    for owner, column in parts:
        value = codes[start : start + len(column.distinct)][column.codes]
        start += len(column.distinct)
        keys.append(np.where(value < 0, -1, owner.astype(np.int64) * len(uniques) + value))
    return keys


def _check_dates(batch: _Batch) -> None:
    """Every data date lies between the program's start and the end of its workbook's quarter."""
    first = np.datetime64(PROGRAM_START, "D")
    last_days = [book.context.period.last_day for book in batch.books]
    last = np.array(last_days, dtype="datetime64[D]")[batch.owner]
    for column in batch.sheet.columns:
        if column.type != DATE:
            continue
        parsed = batch.columns[column.key]
        # NaT (a blank or unreadable cell) compares False both ways.
        for position in np.flatnonzero((parsed.days < first) | (parsed.days > last)):
            value, last_day = parsed.cells[position], last_days[batch.owner[position]]
            batch.report(
                position,
                column.key,
                ERROR,
                "date_out_of_range",
                value.isoformat(),
                min=PROGRAM_START.isoformat(),
                max=last_day.isoformat(),
            )


def _check_eligibility(batch: _Batch) -> None:
    """A Connectee whose category its workbook's community does not accept."""
    parsed = batch.columns["category"]
    categories = ENUMERATIONS["category"]
    # ineligible[b, d]: distinct value d is a category workbook b's community does not accept.
    ineligible = np.zeros((len(batch.books), len(parsed.distinct)), dtype=bool)
    for b, book in enumerate(batch.books):
        eligible = book.context.community.eligible_categories
        ineligible[b] = [
            isinstance(v, str) and v in categories.codes and v not in eligible
            for v in parsed.distinct
        ]
    for position in np.flatnonzero(ineligible[batch.owner, parsed.codes]):
        context = batch.book_at(position).context
        choices = ", ".join(
            categories.label(c, context.lang)
            for c in categories.codes
            if c in context.community.eligible_categories
        )
        raw_value = batch.raw_value(position, "category")
        batch.report(
            position, "category", ERROR, "category_not_eligible", raw_value, choices=choices
        )


def _check_references(batch: _Batch, checked: dict[str, _Batch]) -> None:
    """IDs named by Introductions and Jobs that their own workbook does not define as a valid row.

    Alone, a workbook cannot know its community's earlier submissions, so
    these are warnings; ``history.resolve_references`` turns the ones no
    submission defines into errors, as the roll-up does.
    """
    for (sheet_key, column_key), (target_key, _code) in REFERENCES.items():
        if sheet_key != batch.sheet.key or target_key not in checked:
            continue
        target = checked[target_key]
        named, defined = _pair_keys(
            (batch.owner, batch.columns[column_key]),
            (target.owner, target.columns[target.sheet.unique_id]),
        )
        # An ID whose own row has errors is in the workbook but not valid: say so, with its rows.
        rejected_rows: dict[int, list[int]] = defaultdict(list)
        for key, row in zip(
            defined[target.bad & (defined >= 0)], target.row[target.bad & (defined >= 0)]
        ):
            rejected_rows[int(key)].append(int(row))
        defined = defined[~target.bad & (defined >= 0)]
        unknown = (named >= 0) & ~batch.bad & target.present[batch.owner] & ~np.isin(named, defined)
        for position in np.flatnonzero(unknown):
            value = batch.columns[column_key].cells[position]
            target_name = batch.book_at(position).raw.sheets[target_key].name
            rows = rejected_rows.get(int(named[position]))
            if rows:
                batch.report(
                    position,
                    column_key,
                    WARNING,
                    "id_in_rejected_row",
                    value,
                    target=target_name,
                    rows=", ".join(map(str, sorted(rows))),
                )
            else:
                batch.report(
                    position, column_key, WARNING, "id_not_in_workbook", value, target=target_name
                )


def _keep_valid_rows(batch: _Batch) -> None:
    """Give each workbook its valid rows as typed columns, and count its rows read and rejected."""
    keep = ~batch.bad
    typed = pd.DataFrame(
        {"excel_row": batch.row[keep]}
        | {c.key: _typed(batch.columns[c.key], keep) for c in batch.sheet.columns}
    )
    # Owners are in order, so each workbook's kept rows are one slice of the typed frame.
    kept_bounds = np.searchsorted(batch.owner[keep], np.arange(len(batch.books) + 1))
    rejected = np.bincount(batch.owner[batch.bad], minlength=len(batch.books))
    nullable = [key for key, dtype in typed.dtypes.items() if isinstance(dtype, pd.BooleanDtype)]
    for b, book in enumerate(batch.books):
        if not batch.present[b]:
            continue
        rows = typed.iloc[kept_bounds[b] : kept_bounds[b + 1]]
        rows.index = pd.RangeIndex(len(rows))  # as reset_index(drop=True), without a second copy
        for key in nullable:  # a workbook that answered every row gets plain bool, as alone
            if not rows[key].hasnans:
                rows[key] = rows[key].to_numpy(dtype=bool)
        book.submission.rows[batch.sheet.key] = rows
        book.submission.rows_read += int(batch.bounds[b + 1] - batch.bounds[b])
        book.submission.rows_rejected += int(rejected[b])


def _typed(parsed: _Column, keep: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The kept rows of a column, typed: str, datetime64[s], bool (a blank optional cell: default).

    Each distinct value is converted once; the rows are a ``take`` of them.
    """
    column, codes = parsed.column, parsed.codes[keep]
    if column.type == DATE:
        return parsed.days[keep].astype("datetime64[s]")
    distinct = parsed.distinct
    if column.default is not None:
        distinct = [column.default if v is None else v for v in distinct]
    if column.type == YES_NO:
        answered = np.array([isinstance(v, bool) for v in distinct], dtype=bool)[codes]
        yes = np.array([v is True for v in distinct], dtype=bool)[codes]
        # A kept row left blank (an optional Yes/No without default) needs pandas' nullable boolean.
        return yes if answered.all() else pd.arrays.BooleanArray(yes, ~answered)
    # Kept rows hold text or None; the other values (INVALID) are never taken. Built in
    # Arrow directly: pandas' own constructor costs twice as much per column.
    text = [v if isinstance(v, str) else None for v in distinct]
    text = pyarrow.array(text, pyarrow.large_string())
    return pd.arrays.ArrowStringArray(pyarrow.chunked_array([text.take(codes)]), dtype=_STR)


_STR = pd.api.types.pandas_dtype("str")


def _header_issues(sheet: RawSheet, context: _Context) -> list[Issue]:
    """One warning for the sheet's unknown columns, and one per template column written twice."""
    known = {
        values.fold(label) for c in sheet.sheet.columns for label in (c.key, c.english, c.french)
    }
    unknown = [
        (index, header)
        for index, header in sheet.unknown_headers
        if values.fold(header) not in known
    ]
    issues = []
    for index, header in sheet.unknown_headers:
        if values.fold(header) in known:  # the reader keeps the first of two same columns
            issues.append(context.header_issue(sheet, index, header, "duplicate_column", header))
    if unknown:
        index, header = unknown[0]
        issues.append(
            context.header_issue(
                sheet, index, header, "unknown_column", ", ".join(h for _, h in unknown)
            )
        )
    return issues


def _choices(enumeration: str, lang: str) -> str:
    e = ENUMERATIONS[enumeration]
    return ", ".join(e.label(code, lang) for code in e.codes)
