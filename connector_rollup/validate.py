"""Stage 2, validate: check one workbook against the contract and keep its valid rows.

``validate_workbook`` never raises for anything a community sent: a file
error becomes a rejected ``Submission`` with one plain sentence; a row error
becomes an ``Issue`` naming the sheet, row, header, cell and value, and only
that row is left out. Single-cell rules live in the Pandera models of
``schemas/``; the rules that need the submission's context (its quarter, the
registry, the other sheets) are here.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import python_calamine

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
    PERSONAL_COLUMNS,
    SUBMISSION_FIELDS,
    SUBMISSION_SHEET,
    TEXT,
    YES_NO,
    Column,
    Sheet,
)
from connector_rollup.periods import PROGRAM_START, Period
from connector_rollup.read import FileRejected, RawSheet, RawWorkbook, cell_ref, read_workbook
from connector_rollup.registry import Community
from schemas import MODELS

ERROR = "error"
WARNING = "warning"

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

# Which sheet defines the IDs another sheet names.
REFERENCES = {
    ("introductions", "connectee_id"): ("connectees", "unknown_connectee"),
    ("introductions", "connector_id"): ("connectors", "unknown_connector"),
    ("jobs", "connectee_id"): ("connectees", "unknown_connectee"),
}
MAX_VALUE_CHARS = 80


@dataclass
class Issue:
    """One problem, located as the coordinator sees it in Excel."""

    file_name: str
    sheet: str
    row: int | None
    column: str
    cell: str
    severity: str
    code: str
    value: str
    message: str
    fix: str = ""
    column_key: str = ""
    sheet_key: str = ""
    community_code: str | None = None
    period: str | None = None

    @property
    def masked_value(self) -> str:
        """The value as analysts may see it: masked in name, email and phone columns."""
        if self.column_key in PERSONAL_COLUMNS and self.value:
            return "***"
        return self.value


@dataclass
class Submission:
    """One workbook as validated: what it says about itself, its valid rows and its problems."""

    file_name: str
    sha256: str
    status: str  # "accepted" or "rejected"
    language: str = "en"
    reason: str = ""
    community_code: str | None = None
    period: Period | None = None
    submitted_on: dt.date | None = None
    tracks_jobs: bool | None = None
    rows: dict[str, pd.DataFrame] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]


def validate_workbook(path: str | Path, registry: dict[str, Community], data: bytes | None = None) -> Submission:
    """Read and check one workbook on its own; never raises for bad input."""
    return validate_workbooks([(Path(path), data)], registry)[0]


def validate_workbooks(workbooks: list[tuple[Path, bytes | None]], registry: dict[str, Community]
                       ) -> list[Submission]:
    """Check several workbooks, each on its own, in the order given; never raises for bad input.

    Each sheet's Pandera model runs once over the parsed rows of all the
    workbooks (its cost is mostly per call, not per row); every other rule is
    applied workbook by workbook.
    """
    results: list[Submission | _Pending] = []
    for path, data in workbooks:
        path = Path(path)
        try:
            raw = read_workbook(path, data)
        except FileRejected as rejected:
            results.append(_rejected(path.name, data, rejected, _language_of_rejected(path, data, rejected),
                                     sha256=None if data is not None else _file_sha256(path)))
            continue
        try:
            results.append(_prepare(raw, registry))
        except FileRejected as rejected:
            results.append(_rejected(path.name, data, rejected, raw.language, sha256=raw.sha256))
    pending = [r for r in results if isinstance(r, _Pending)]
    for sheet in DATA_SHEETS:
        _run_model(sheet, [p for p in pending if sheet.key in p.parsed])
    return [r.finish() if isinstance(r, _Pending) else r for r in results]


# File errors the reader raises after it opened the workbook, before it knew its language.
_REJECTED_AFTER_OPENING = frozenset({"missing_sheet", "missing_column", "unreadable_sheet"})


def _language_of_rejected(path: Path, data: bytes | None, rejected: FileRejected) -> str:
    """The language of a workbook the reader rejected, from its sheet names ("en" when unknown).

    Only for the errors raised once the workbook was safely opened, so a
    French workbook missing a sheet or a column is told so in French.
    """
    if rejected.code not in _REJECTED_AFTER_OPENING:
        return "en"
    try:
        book = python_calamine.load_workbook(io.BytesIO(data if data is not None else path.read_bytes()))
        names = {values.fold(name) for name in book.sheet_names}
    except Exception:  # the reader already said what is wrong; only the language is at stake
        return "en"
    pairs = [SUBMISSION_SHEET, *((s.english, s.french) for s in DATA_SHEETS)]
    english = sum(values.fold(en) in names for en, _ in pairs)
    french = sum(values.fold(fr) in names for _, fr in pairs)
    return "fr" if french > english else "en"


def _file_sha256(path: Path) -> str:
    """The file's SHA-256, read in chunks ("" when it cannot be read)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _rejected(file_name, data, rejected: FileRejected, lang: str, sha256: str | None = None) -> Submission:
    from connector_rollup.read import sha256_of

    reason = messages.file_message(rejected.code, lang, **rejected.params)
    if sha256 is None:
        sha256 = sha256_of(data) if data is not None else ""
    issue = Issue(file_name, "", None, "", "", ERROR, rejected.code, "", reason)
    return Submission(file_name, sha256, "rejected", lang, reason=reason, issues=[issue])


def _prepare(raw: RawWorkbook, registry: dict[str, Community]) -> _Pending:
    """Identify the workbook (or raise ``FileRejected``) and parse its sheets."""
    community, period, submitted_on = _identify(raw, registry)
    submission = Submission(
        raw.file_name, raw.sha256, "accepted", raw.language,
        community_code=community.code, period=period, submitted_on=submitted_on,
    )
    submission.tracks_jobs = _tracks_jobs(raw, submission)
    _check_coordinator_email(raw, submission)
    pending = _Pending(raw, submission, _Context(raw.language, raw.file_name, community, period))
    for key, sheet in raw.sheets.items():
        pending.parsed[key] = _parse_sheet(sheet)
        pending.issues[key] = _header_issues(sheet, pending.context)
    return pending


@dataclass
class _Pending:
    """A workbook between parsing and its verdict: Pandera's findings are added per sheet."""

    raw: RawWorkbook
    submission: Submission
    context: _Context
    parsed: dict[str, pd.DataFrame] = field(default_factory=dict)
    issues: dict[str, list[Issue]] = field(default_factory=dict)

    def finish(self) -> Submission:
        """Apply the context rules, keep the valid rows, and order the issues as the sheets read."""
        raw, submission, context = self.raw, self.submission, self.context
        bad_rows: dict[str, set[int]] = {}
        for key, frame in self.parsed.items():
            sheet = raw.sheets[key]
            issues = self.issues[key]
            issues.extend(_check_duplicates(sheet, frame, context))
            issues.extend(_check_dates(sheet, frame, context))
            if key == "connectees":
                issues.extend(_check_eligibility(sheet, frame, context))
            submission.issues.extend(issues)
            bad_rows[key] = {i.row for i in issues if i.severity == ERROR}
        submission.issues.extend(_check_references(raw, self.parsed, bad_rows, context))
        for key, frame in self.parsed.items():
            valid = frame[~frame.index.isin(bad_rows[key])]
            submission.rows[key] = _typed(raw.sheets[key].sheet, valid)
            submission.rows_read += len(frame)
            submission.rows_rejected += len(bad_rows[key])
        order = {key: n for n, key in enumerate(["submission", *(s.key for s in DATA_SHEETS)])}
        # Within a row, by column: B before AA.
        submission.issues.sort(key=lambda i: (order.get(i.sheet_key, -1), i.row or 0, len(i.cell), i.cell))
        for issue in submission.issues:
            issue.community_code, issue.period = context.community.code, context.period.label
        return submission


@dataclass
class _Context:
    lang: str
    file_name: str
    community: Community
    period: Period

    def issue(self, sheet: RawSheet, row: int | None, column: Column | None, severity: str,
              code: str, raw_value: object = None, **params: object) -> Issue:
        header = ""
        cell = ""
        if column is not None:
            found = sheet.columns.get(column.key)
            header = found.header if found else column.header(self.lang)
            if found and row is not None:
                cell = cell_ref(found.index, row)
        value = values.parse_text(raw_value) or ""
        # An unresolved ID is kept whole: history.resolve_references looks it up by this value.
        if len(value) > MAX_VALUE_CHARS and code != "id_not_in_workbook":
            value = value[: MAX_VALUE_CHARS - 1] + "…"
        problem, fix = messages.cell_message(code, self.lang, column=header, value=value, **params)
        return Issue(self.file_name, sheet.name, row, header, cell, severity, code, value,
                     problem, fix, column.key if column else "", sheet.sheet.key)

    def header_issue(self, sheet: RawSheet, index: int, header: str, code: str, value: str) -> Issue:
        """A warning about a header cell (column ``index``, 0-based) of ``sheet``."""
        issue = self.issue(sheet, None, None, WARNING, code, value)
        issue.row, issue.column, issue.cell = sheet.header_row, header, cell_ref(index, sheet.header_row)
        return issue


def _field_value(raw: RawWorkbook, key: str):
    found = raw.fields.get(key)
    return (found.value, found.cell) if found else (None, "")


def _identify(raw: RawWorkbook, registry: dict[str, Community]) -> tuple[Community, Period, dt.date]:
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
        raise FileRejected("bad_quarter", value=(values.parse_text(quarter_value) or "")[:40],
                           cell=f"{sheet}!{quarter_cell or 'B'}")
    date_value, date_cell = _field_value(raw, "submitted_on")
    submitted_on = values.parse_date(date_value)
    if not isinstance(submitted_on, dt.date):
        raise FileRejected("bad_submitted_on", value=(values.parse_text(date_value) or "")[:40],
                           cell=f"{sheet}!{date_cell or 'B'}")
    return community, period, submitted_on


_CELL_ROW = re.compile(r"(\d+)$")


def _submission_issue(raw: RawWorkbook, key: str, code: str, value: object, expected: str) -> Issue:
    """An error in the Submission sheet's value cell for field ``key``; its label as the community wrote it."""
    lang = raw.language
    found = raw.fields.get(key)
    label = found.label if found else next(f for f in SUBMISSION_FIELDS if f.key == key).label(lang)
    cell = found.cell if found else ""
    text = values.parse_text(value) or ""
    message = "submission_field_blank" if text == "" else "submission_field"
    problem, fix = messages.cell_message(message, lang, column=label, value=text[:MAX_VALUE_CHARS],
                                         expected=expected)
    row = int(_CELL_ROW.search(cell)[1]) if cell else None
    return Issue(raw.file_name, raw.submission_sheet, row, label, cell, ERROR, code, text[:MAX_VALUE_CHARS],
                 problem, fix, key, "submission")


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


def _check_coordinator_email(raw: RawWorkbook, submission: Submission) -> None:
    """The optional coordinator email, when given, is one address."""
    value, _ = _field_value(raw, "coordinator_email")
    email = values.parse_email(value)
    if email is not None and not re.match(values.EMAIL_PATTERN, email):
        expected = ("Write one address like name@example.ca, or leave the cell empty." if raw.language == "en"
                    else "Écrivez une seule adresse comme nom@exemple.ca, ou laissez la cellule vide.")
        submission.issues.append(_submission_issue(raw, "coordinator_email", "bad_email", value, expected))


def _parse_column(column: Column, raw_values: list[object]) -> list[object]:
    """Parse a column's cells, each distinct raw value once."""
    if column.type == ENUM:
        parser = lambda v, name=column.enumeration: values.parse_enum(name, v)  # noqa: E731
    else:
        parser = _PARSERS[column.type]
    cache: dict[tuple[type, object], object] = {}
    out = []
    for v in raw_values:
        k = (type(v), v)
        try:
            out.append(cache[k])
        except KeyError:
            out.append(cache.setdefault(k, parser(v)))
    return out


def _parse_sheet(sheet: RawSheet) -> pd.DataFrame:
    """The sheet's cells parsed, one object column per contract column, indexed by Excel row."""
    index = pd.Index(sheet.rows, name="excel_row")
    blank = [None] * len(sheet.rows)
    return pd.DataFrame(
        {c.key: pd.Series(_parse_column(c, sheet.values.get(c.key, blank)), index=index, dtype=object)
         for c in sheet.sheet.columns},
        index=index,
    )


def _run_model(sheet: Sheet, pending: list[_Pending]) -> None:
    """Run the sheet's Pandera model once over these workbooks' rows; file each failure with its workbook."""
    if not pending:
        return
    frames = [p.parsed[sheet.key] for p in pending]
    owner = [n for n, frame in enumerate(frames) for _ in range(len(frame))]
    rows = [row for frame in frames for row in frame.index]
    combined = pd.concat(frames, ignore_index=True)
    for column_key, position, code in _pandera_failures(_schema(sheet.key), combined):
        p = pending[owner[position]]
        row = rows[position]
        column = sheet.column(column_key)
        params = {"choices": _choices(column.enumeration, p.context.lang)} if code == "bad_choice" else {}
        raw_value = _raw(p.raw.sheets[sheet.key], column_key, row)
        p.issues[sheet.key].append(p.context.issue(p.raw.sheets[sheet.key], row, column, ERROR, code,
                                                   raw_value, **params))


@lru_cache(maxsize=None)
def _schema(sheet_key: str) -> pa.DataFrameSchema:
    """The sheet's model as a schema, without dtype checks: every column holds parsed objects."""
    schema = MODELS[sheet_key].to_schema()
    return schema.update_columns({name: {"dtype": None} for name in schema.columns})


def _check_duplicates(sheet: RawSheet, frame: pd.DataFrame, context: _Context) -> list[Issue]:
    """An ID written twice in the sheet: every copy is rejected."""
    key = sheet.sheet.unique_id
    if key is None:
        return []
    ids = frame[key]
    repeated = ids.notna() & ids.duplicated(keep=False)
    column = sheet.sheet.column(key)
    issues = []
    for row, value in ids[repeated].items():
        same = ", ".join(str(r) for r in ids.index[ids == value])
        issues.append(context.issue(sheet, row, column, ERROR, "duplicate_id", _raw(sheet, key, row), rows=same))
    return issues


def _header_issues(sheet: RawSheet, context: _Context) -> list[Issue]:
    """One warning for the sheet's unknown columns, and one per template column written twice."""
    known = {values.fold(label) for c in sheet.sheet.columns for label in (c.key, c.english, c.french)}
    unknown = [(index, header) for index, header in sheet.unknown_headers if values.fold(header) not in known]
    issues = []
    for index, header in sheet.unknown_headers:
        if values.fold(header) in known:  # the reader keeps the first of two same columns
            issues.append(context.header_issue(sheet, index, header, "duplicate_column", header))
    if unknown:
        index, header = unknown[0]
        issues.append(context.header_issue(sheet, index, header, "unknown_column",
                                           ", ".join(h for _, h in unknown)))
    return issues


def _pandera_failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> list[tuple[str, int, str]]:
    """(column, row position, code) for every cell the schema rejects."""
    try:
        schema.validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    out = set()
    for column, check, position in zip(cases["column"], cases["check"], cases["index"]):
        code = PANDERA_CODES.get(check, check)
        if code == "required_when_accepted":
            column = "intake_meeting_date"
        if position is None or pd.isna(position):
            continue
        out.add((column, int(position), code))
    return sorted(out, key=lambda f: (f[1], frame.columns.get_loc(f[0])))


def _raw(sheet: RawSheet, column_key: str, row: int) -> object:
    """The cell as the community wrote it (rows are in ascending order)."""
    column_values = sheet.values.get(column_key)
    if column_values is None:
        return None
    return column_values[bisect.bisect_left(sheet.rows, row)]


def _choices(enumeration: str, lang: str) -> str:
    e = ENUMERATIONS[enumeration]
    return ", ".join(e.label(code, lang) for code in e.codes)


def _check_dates(sheet: RawSheet, frame: pd.DataFrame, context: _Context) -> list[Issue]:
    """Every data date lies between the program's start and the end of the reporting quarter."""
    last = context.period.last_day
    issues = []
    for column in sheet.sheet.columns:
        if column.type != DATE:
            continue
        for row, value in frame[column.key].items():
            if isinstance(value, dt.date) and not PROGRAM_START <= value <= last:
                issues.append(context.issue(sheet, row, column, ERROR, "date_out_of_range",
                                            value.isoformat(), min=PROGRAM_START.isoformat(),
                                            max=last.isoformat()))
    return issues


def _check_eligibility(sheet: RawSheet, frame: pd.DataFrame, context: _Context) -> list[Issue]:
    eligible = context.community.eligible_categories
    column = sheet.sheet.column("category")
    choices = ", ".join(ENUMERATIONS["category"].label(c, context.lang)
                        for c in ENUMERATIONS["category"].codes if c in eligible)
    return [context.issue(sheet, row, column, ERROR, "category_not_eligible", _raw(sheet, "category", row),
                          choices=choices)
            for row, value in frame["category"].items()
            if isinstance(value, str) and value in ENUMERATIONS["category"].codes and value not in eligible]


def _check_references(raw: RawWorkbook, parsed: dict[str, pd.DataFrame], bad_rows: dict[str, set[int]],
                      context: _Context) -> list[Issue]:
    """IDs named by Introductions and Jobs that this workbook does not define as a valid row.

    Alone, a workbook cannot know its community's earlier submissions, so
    these are warnings; ``history.resolve_references`` turns the ones no
    submission defines into errors, as the roll-up does.
    """
    issues = []
    for (sheet_key, column_key), (target, _code) in REFERENCES.items():
        if sheet_key not in parsed or target not in parsed:
            continue
        frame = parsed[sheet_key]
        target_frame = parsed[target]
        target_column = raw.sheets[target].sheet.unique_id
        defined = set(target_frame.loc[~target_frame.index.isin(bad_rows[target]), target_column].dropna())
        sheet = raw.sheets[sheet_key]
        column = sheet.sheet.column(column_key)
        target_name = raw.sheets[target].name
        for row, value in frame[column_key].items():
            if value is not None and value not in defined and row not in bad_rows[sheet_key]:
                issues.append(context.issue(sheet, row, column, WARNING, "id_not_in_workbook", value,
                                            target=target_name))
    return issues


def _typed(sheet: Sheet, frame: pd.DataFrame) -> pd.DataFrame:
    """Valid rows as typed columns: str, datetime64, bool (blank optional Yes/No -> its default)."""
    out = {"excel_row": np.asarray(frame.index, dtype="int64")}
    for column in sheet.columns:
        cells = frame[column.key].tolist()
        if column.default is not None:
            cells = [column.default if v is None else v for v in cells]
        if column.type == DATE:
            # numpy reads date objects and None (NaT) directly, far faster than pd.to_datetime.
            out[column.key] = np.array(cells, dtype="datetime64[D]").astype("datetime64[s]")
        elif column.type == YES_NO:
            out[column.key] = (np.array(cells, dtype=bool) if None not in cells
                               else pd.array(cells, dtype="boolean"))
        else:
            out[column.key] = pd.array(cells, dtype="str")
    return pd.DataFrame(out)
