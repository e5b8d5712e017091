"""Feedback for coordinators: what is wrong in a workbook, where, and how to fix it.

Three renderings of one validated ``Submission``: plain text for the
terminal, Markdown for a report, and an annotated copy of the workbook with
each problem cell highlighted and commented plus a ``Problems`` sheet. All in
the workbook's language.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from pathlib import Path

from connector_rollup.read import WORKSHEET_PART
from connector_rollup.validate import ERROR, WARNING, Issue, Submission

WORDS = {
    "en": {
        "title": "Validation of {file}",
        "community": "Community", "quarter": "Reporting quarter", "submitted_on": "Submitted on",
        "status": "Status", "accepted": "accepted", "rejected": "rejected",
        "rows": "Rows read: {read}; rows rejected: {rejected}.",
        "summary": "Summary", "errors": "errors", "warnings": "warnings", "error": "error", "warning": "warning",
        "none": "No problems found: the workbook is ready to send.",
        "only_warnings": "No errors: the workbook can be sent. Please read the warnings.",
        "has_errors": "Rows with errors are left out of the national figures until they are fixed.",
        "file_rejected": "The whole file was rejected and nothing in it is counted:",
        "problems": "Problems", "sheet": "Sheet", "file": "File", "cell": "Cell", "row": "Row", "column": "Column",
        "severity": "Severity", "code": "Code", "value": "Value found", "problem": "Problem", "fix": "How to fix",
        "link": "Go to cell", "by_code": "By kind",
    },
    "fr": {
        "title": "Validation de {file}",
        "community": "Communauté", "quarter": "Trimestre", "submitted_on": "Soumis le",
        "status": "Statut", "accepted": "accepté", "rejected": "rejeté",
        "rows": "Lignes lues : {read}; lignes rejetées : {rejected}.",
        "summary": "Résumé", "errors": "erreurs", "warnings": "avertissements", "error": "erreur",
        "warning": "avertissement",
        "none": "Aucun problème : le classeur est prêt à envoyer.",
        "only_warnings": "Aucune erreur : le classeur peut être envoyé. Lisez les avertissements.",
        "has_errors": "Les lignes en erreur sont exclues des chiffres nationaux tant qu'elles ne sont pas corrigées.",
        "file_rejected": "Le fichier entier a été rejeté et rien n'y est compté :",
        "problems": "Problèmes", "sheet": "Feuille", "file": "Fichier", "cell": "Cellule", "row": "Ligne",
        "column": "Colonne", "severity": "Gravité", "code": "Code", "value": "Valeur trouvée",
        "problem": "Problème", "fix": "Correction", "link": "Aller à la cellule", "by_code": "Par type",
    },
}


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def exit_status(submission: Submission) -> int:
    """0 no errors (warnings allowed), 1 row errors, 2 file rejected."""
    if submission.status == "rejected":
        return 2
    return 1 if submission.errors else 0


def counts_by_code(issues: list[Issue]) -> list[tuple[str, str, int]]:
    """(severity, code, count), errors first, then by count."""
    counter = Counter((i.severity, i.code) for i in issues)
    return sorted(((s, c, n) for (s, c), n in counter.items()), key=lambda t: (t[0] != ERROR, -t[2], t[1]))


def by_sheet(issues: list[Issue]) -> dict[str, list[Issue]]:
    grouped: dict[str, list[Issue]] = {}
    for issue in issues:
        grouped.setdefault(issue.sheet, []).append(issue)
    return grouped


def _verdict(submission: Submission, w: dict[str, str]) -> str:
    if submission.status == "rejected":
        return f"{w['file_rejected']} {submission.reason}"
    if submission.errors:
        return w["has_errors"]
    return w["only_warnings"] if submission.warnings else w["none"]


def _header_lines(submission: Submission, w: dict[str, str]) -> list[tuple[str, str]]:
    lines = [(w["status"], w[submission.status] if submission.status in w else submission.status)]
    if submission.community_code:
        lines += [(w["community"], submission.community_code), (w["quarter"], str(submission.period)),
                  (w["submitted_on"], str(submission.submitted_on))]
    return lines


def format_text(submission: Submission) -> str:
    """The terminal feedback: a summary, then every problem grouped by sheet."""
    w = words(submission.language)
    out = [w["title"].format(file=submission.file_name), ""]
    out += [f"  {label}: {value}" for label, value in _header_lines(submission, w)]
    if submission.status != "rejected":
        out.append("  " + w["rows"].format(read=submission.rows_read, rejected=submission.rows_rejected))
    out += ["", _verdict(submission, w)]
    if submission.status == "rejected" or not submission.issues:
        return "\n".join(out) + "\n"
    errors, warnings = len(submission.errors), len(submission.warnings)
    out += ["", f"{w['summary']}: {errors} {w['errors']}, {warnings} {w['warnings']}"]
    out += [f"  {n:>5}  {w[sev]:<13} {code}" for sev, code, n in counts_by_code(submission.issues)]
    for sheet, issues in by_sheet(submission.issues).items():
        out += ["", f"{w['sheet']} {sheet}" if sheet else w["file"]]
        for i in issues:
            where = i.cell or (f"{w['row']} {i.row}" if i.row else "")
            out.append(f"  {where:<7} {w[i.severity]:<13} {i.code}: {i.message}")
            if i.fix:
                out.append(f"  {'':<7} {'':<13} -> {i.fix}")
    return "\n".join(out) + "\n"


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def format_markdown(submission: Submission, heading_level: int = 1, title: str | None = None) -> str:
    """The same feedback as Markdown: summary table, then a table of problems per sheet."""
    w = words(submission.language)
    h = "#" * heading_level
    out = [f"{h} {_md(title) if title else w['title'].format(file=_md(submission.file_name))}", ""]
    out += [f"- **{label}**: {_md(value)}" for label, value in _header_lines(submission, w)]
    if submission.status != "rejected":
        out.append("- " + w["rows"].format(read=submission.rows_read, rejected=submission.rows_rejected))
    out += ["", _verdict(submission, w), ""]
    if submission.status == "rejected" or not submission.issues:
        return "\n".join(out)
    out += [f"{h}# {w['summary']}", "", f"| {w['severity']} | {w['code']} | n |", "|---|---|---:|"]
    out += [f"| {w[sev]} | `{code}` | {n} |" for sev, code, n in counts_by_code(submission.issues)]
    for sheet, issues in by_sheet(submission.issues).items():
        out += ["", f"{h}# {w['sheet']} {_md(sheet)}" if sheet else f"{h}# {w['file']}", ""]
        out += [f"| {w['cell']} | {w['column']} | {w['severity']} | {w['code']} | {w['value']} | "
                f"{w['problem']} | {w['fix']} |", "|---|---|---|---|---|---|---|"]
        for i in issues:
            out.append(f"| {i.cell or i.row or ''} | {_md(i.column)} | {w[i.severity]} | `{i.code}` | "
                       f"{_md(i.value)} | {_md(i.message)} | {_md(i.fix)} |")
    return "\n".join(out) + "\n"


def write_annotated(source: str | Path, submission: Submission, out: str | Path) -> Path:
    """Copy the workbook with each problem cell filled and commented, plus a Problems sheet.

    Every text written is stored as a string cell, so a value such as
    ``=HYPERLINK(...)`` a community typed is shown, never evaluated.
    """
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    if submission.status == "rejected":
        raise ValueError("the workbook was rejected as a whole; there are no cells to annotate")
    w = words(submission.language)
    book = openpyxl.load_workbook(_without_blank_tails(Path(source)))
    fills = {ERROR: PatternFill("solid", fgColor="FFC7CE"), WARNING: PatternFill("solid", fgColor="FFEB9C")}
    comments: dict[tuple[str, str], list[str]] = {}
    worst: dict[tuple[str, str], str] = {}
    for i in submission.issues:
        if i.sheet in book.sheetnames and i.cell:
            key = (i.sheet, i.cell)
            comments.setdefault(key, []).append(f"{w[i.severity]} ({i.code}): {i.message} {i.fix}".strip())
            if worst.get(key) != ERROR:
                worst[key] = i.severity
    for (sheet, cell), notes in comments.items():
        target = book[sheet][cell]
        target.fill = fills[worst[(sheet, cell)]]
        comment = Comment(_printable("\n".join(notes)), "connector-rollup")
        comment.width, comment.height = 320, 40 + 60 * len(notes)
        target.comment = comment

    name = w["problems"]
    if name in book.sheetnames:
        del book[name]
    problems = book.create_sheet(name, 0)
    headers = [w["sheet"], w["cell"], w["severity"], w["code"], w["column"], w["value"], w["problem"], w["fix"]]
    for c, header in enumerate(headers, start=1):
        _write_text(problems.cell(1, c), header).font = Font(bold=True)
    for r, i in enumerate(submission.issues, start=2):
        row = [i.sheet, i.cell or (str(i.row) if i.row else ""), w[i.severity], i.code, i.column, i.value,
               i.message, i.fix]
        for c, value in enumerate(row, start=1):
            _write_text(problems.cell(r, c), value)
        if i.cell and i.sheet in book.sheetnames:
            link = problems.cell(r, 2)
            quoted = i.sheet.replace("'", "''")  # Excel doubles a quote inside a quoted sheet name
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{i.cell}")
            link.font = Font(color="0563C1", underline="single")
    for letter, width in zip("ABCDEFGH", (16, 8, 12, 22, 22, 24, 60, 60)):
        problems.column_dimensions[letter].width = width
    problems.freeze_panes = "A2"
    book.active = 0
    out = Path(out)
    book.save(out)
    return out


# A worksheet part's blank tail is trimmed from the copy only when it is this large:
# below it the copy keeps every formatted row, as the community made it.
BLANK_TAIL_BYTES = 1024 * 1024
# Where a cell's content ends: a value, an inline text or a formula (self-closing or not).
_CONTENT_ENDS = (b"</v>", b"<v/>", b"</is>", b"</f>", b"<f/>", b"<f ")
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:(?:sheetData|row|c|v|f|is)[\s/>]")


def _without_blank_tails(source: Path) -> Path | io.BytesIO:
    """The workbook for openpyxl, its worksheets cut after their last row holding anything.

    A million formatted blank rows after the data (borders applied to whole
    rows) are cells to openpyxl: loading them took about a minute and over
    1 GB. Only rows after the last value, inline text or formula are cut, so
    no cell a community filled is lost; what goes is the formatting of blank
    rows, in the copy only. Workbooks without such a tail are used as they are.
    """
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
        trimmed = {}
        for member in members:
            if WORKSHEET_PART.match(member.filename) and member.file_size > BLANK_TAIL_BYTES:
                xml = archive.read(member)
                cut = _cut_blank_tail(xml)
                if len(xml) - len(cut) > BLANK_TAIL_BYTES:
                    trimmed[member.filename] = cut
        if not trimmed:
            return source
        copy = io.BytesIO()
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
            for member in members:
                out.writestr(member.filename, trimmed.get(member.filename) or archive.read(member))
    copy.seek(0)
    return copy


def _cut_blank_tail(xml: bytes) -> bytes:
    """``xml`` without the rows after the last one holding content; unchanged when unsure.

    Unsure: prefixed elements (``<x:c>``), where the tags searched for differ.
    """
    start, end = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
    # Prefixes outside the cells (Excel's <xm:f> in extLst validations) do not matter.
    if start < 0 or end < 0 or _PREFIXED.search(xml, start, end):
        return xml
    last = max(xml.rfind(tag, 0, end) for tag in _CONTENT_ENDS)
    if last < 0:  # no content at all: keep the rows (nothing to annotate there anyway)
        return xml
    row_end = xml.find(b"</row>", last, end)
    if row_end < 0:
        return xml
    row_end += len(b"</row>")
    return xml[:row_end] + xml[end:]


def _printable(text: str) -> str:
    """``text`` without the control characters an .xlsx cannot hold (openpyxl refuses them)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)


def _write_text(cell, value: object):
    """Store ``value`` as text: openpyxl would otherwise read ``=...`` as a formula."""
    cell.value = "" if value is None else _printable(str(value))
    cell.data_type = "s"
    return cell
