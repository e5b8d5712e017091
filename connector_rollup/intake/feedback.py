"""Feedback for coordinators: what is wrong in a workbook, where, and how to fix it.

Three renderings of one validated ``Submission``: plain text for the
terminal, Markdown for a report, and an annotated copy of the workbook with
each problem cell highlighted and commented plus a ``Problems`` sheet. All in
the workbook's language.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections import Counter
from pathlib import Path

from connector_rollup.escape import for_excel, for_markdown, for_terminal, write_excel_text
from connector_rollup.intake.layout import fit_row_heights
from connector_rollup.intake.read import WORKSHEET_PART, column_letter
from connector_rollup.messages import code_meaning
from connector_rollup.submission import ERROR, WARNING, Issue, Submission

WORDS = {
    "en": {
        "title": "Validation of {file}",
        "community": "Community",
        "quarter": "Reporting quarter",
        "submitted_on": "Submitted on",
        "status": "Status",
        "accepted": "accepted",
        "rejected": "rejected",
        "rows": "Rows read: {read}; rows rejected: {rejected}.",
        "summary": "Summary",
        "errors": "errors",
        "warnings": "warnings",
        "error": "error",
        "warning": "warning",
        "none": "No problems found: the workbook is ready to send.",
        "only_warnings": "No errors: the workbook can be sent. Please read the warnings.",
        "has_errors": "Rows with errors are left out of the national figures until they are fixed.",
        "file_rejected": "The whole file was rejected and nothing in it is counted:",
        "not_latest": "This workbook would not count: the workbook already submitted for "
        "its quarter has a later Submitted on date. Put today's date in Submitted on "
        "on the Submission sheet and check it again.",
        "sent_back_as_is": "The secretariat sent this very workbook back: correct what its "
        "comment says, then upload the corrected workbook.",
        "problems": "Problems",
        "sheet": "Sheet",
        "file": "File",
        "cell": "Cell",
        "row": "Row",
        "column": "Column",
        "severity": "Severity",
        "code": "Code",
        "value": "Value found",
        "problem": "Problem",
        "fix": "How to fix",
        "link": "Go to cell",
        "by_code": "By kind",
        "meaning": "Meaning",
        "merged": "{cell} (in the merged range {range}):",
        "colon": ":",
    },
    "fr": {
        "title": "Validation de {file}",
        "community": "Communauté",
        "quarter": "Trimestre",
        "submitted_on": "Soumis le",
        "status": "Statut",
        "accepted": "accepté",
        "rejected": "rejeté",
        "rows": "Lignes lues : {read}; lignes rejetées : {rejected}.",
        "summary": "Résumé",
        "errors": "erreurs",
        "warnings": "avertissements",
        "error": "erreur",
        "warning": "avertissement",
        "none": "Aucun problème : le classeur est prêt à envoyer.",
        "only_warnings": "Aucune erreur : le classeur peut être envoyé. Lisez les avertissements.",
        "has_errors": "Les lignes en erreur sont exclues des chiffres nationaux tant qu'elles ne sont pas corrigées.",
        "file_rejected": "Le fichier entier a été rejeté et rien n'y est compté :",
        "not_latest": "Ce classeur ne serait pas compté\u00a0: le classeur déjà soumis pour "
        "son trimestre porte une date « Soumis le » plus récente. Inscrivez la date du "
        "jour dans « Soumis le » sur la feuille Soumission et vérifiez-le de nouveau.",
        "sent_back_as_is": "Le secrétariat a renvoyé ce classeur même\u00a0: corrigez ce que dit "
        "son commentaire, puis téléversez le classeur corrigé.",
        "problems": "Problèmes",
        "sheet": "Feuille",
        "file": "Fichier",
        "cell": "Cellule",
        "row": "Ligne",
        "column": "Colonne",
        "severity": "Gravité",
        "code": "Code",
        "value": "Valeur trouvée",
        "problem": "Problème",
        "fix": "Correction",
        "link": "Aller à la cellule",
        "by_code": "Par type",
        "meaning": "Signification",
        "merged": "{cell} (dans la plage fusionnée {range}) :",
        "colon": "\u00a0:",  # French sets a (no-break) space before a colon
    },
}


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def exit_status(submission: Submission) -> int:
    """0 no errors (warnings allowed), 1 row errors or a workbook that would not count, 2 file rejected."""
    if submission.status == "rejected":
        return 2
    return 1 if submission.errors or submission.status == "superseded" else 0


def counts_by_code(issues: list[Issue]) -> list[tuple[str, str, int]]:
    """(severity, code, count), errors first, then by count."""
    counter = Counter((i.severity, i.code) for i in issues)
    return sorted(
        ((s, c, n) for (s, c), n in counter.items()), key=lambda t: (t[0] != ERROR, -t[2], t[1])
    )


def by_sheet(issues: list[Issue]) -> dict[str, list[Issue]]:
    grouped: dict[str, list[Issue]] = {}
    for issue in issues:
        grouped.setdefault(issue.sheet, []).append(issue)
    return grouped


def _verdict(submission: Submission, w: dict[str, str]) -> str:
    if submission.status == "rejected":
        return f"{w['file_rejected']} {submission.reason}"
    if submission.status == "superseded":
        return w["not_latest"]
    if submission.errors:
        return w["has_errors"]
    return w["only_warnings"] if submission.warnings else w["none"]


def _header_lines(submission: Submission, w: dict[str, str]) -> list[tuple[str, str]]:
    lines = [(w["status"], w[submission.status] if submission.status in w else submission.status)]
    # A rejected workbook may name its community but not a readable quarter or date: show what is known.
    for label, value in (
        (w["community"], submission.community_code),
        (w["quarter"], submission.period),
        (w["submitted_on"], submission.submitted_on),
    ):
        if value is not None:
            lines.append((label, str(value)))
    return lines


def _count(n: int, word: str, w: dict[str, str]) -> str:
    """``1 error``, ``2 errors``; in French the singular also serves 0 (``0 erreur``)."""
    singular = n == 1 or (n == 0 and w is WORDS["fr"])
    return f"{n} {w[word] if singular else w[word + 's']}"


def format_text(submission: Submission) -> str:
    """The terminal feedback: a summary, then every problem grouped by sheet.

    Everything that comes from the workbook (names, values, and the messages
    quoting them) goes through ``for_terminal``: no control character reaches
    the terminal.
    """
    t = for_terminal
    w = words(submission.language)
    out = [w["title"].format(file=t(submission.file_name)), ""]
    out += [f"  {label}{w['colon']} {t(value)}" for label, value in _header_lines(submission, w)]
    if submission.status != "rejected":
        out.append(
            "  " + w["rows"].format(read=submission.rows_read, rejected=submission.rows_rejected)
        )
    out += ["", t(_verdict(submission, w))]
    if submission.status == "rejected" or not submission.issues:
        return "\n".join(out) + "\n"
    errors, warnings = len(submission.errors), len(submission.warnings)
    out += [
        "",
        f"{w['summary']}{w['colon']} {_count(errors, 'error', w)}, {_count(warnings, 'warning', w)}",
    ]
    out += [
        f"  {n:>5}  {w[sev]:<13} {t(code)}" for sev, code, n in counts_by_code(submission.issues)
    ]
    for sheet, issues in by_sheet(submission.issues).items():
        out += ["", f"{w['sheet']} {t(sheet)}" if sheet else w["file"]]
        for i in issues:
            where = i.cell or (f"{w['row']} {i.row}" if i.row else "")
            out.append(f"  {t(where):<7} {w[i.severity]:<13} {t(i.code)}: {t(i.message)}")
            if i.fix:
                out.append(f"  {'':<7} {'':<13} -> {t(i.fix)}")
    return "\n".join(out) + "\n"


def format_markdown(
    submission: Submission, heading_level: int = 1, title: str | None = None
) -> str:
    """The same feedback as Markdown: summary table, then a table of problems per sheet.

    Everything that comes from the workbook goes through ``for_markdown``: a
    viewer shows it as the literal text, never as markup, a link or an image.
    """
    m = for_markdown
    w = words(submission.language)
    h = "#" * heading_level
    out = [f"{h} {m(title) if title else w['title'].format(file=m(submission.file_name))}", ""]
    out += [
        f"- **{label}**{w['colon']} {m(value)}" for label, value in _header_lines(submission, w)
    ]
    if submission.status != "rejected":
        out.append(
            "- " + w["rows"].format(read=submission.rows_read, rejected=submission.rows_rejected)
        )
    out += ["", m(_verdict(submission, w)), ""]
    if submission.status == "rejected" or not submission.issues:
        return "\n".join(out)
    out += [f"{h}# {w['summary']}", "", f"| {w['severity']} | {w['code']} | n |", "|---|---|---:|"]
    # Issue codes are the tool's own ([a-z_]), shown as code.
    out += [f"| {w[sev]} | `{code}` | {n} |" for sev, code, n in counts_by_code(submission.issues)]
    for sheet, issues in by_sheet(submission.issues).items():
        out += ["", f"{h}# {w['sheet']} {m(sheet)}" if sheet else f"{h}# {w['file']}", ""]
        out += [
            f"| {w['cell']} | {w['column']} | {w['severity']} | {w['code']} | {w['value']} | "
            f"{w['problem']} | {w['fix']} |",
            "|---|---|---|---|---|---|---|",
        ]
        for i in issues:
            out.append(
                f"| {m(i.cell or i.row or '')} | {m(i.column)} | {w[i.severity]} | `{i.code}` | "
                f"{m(i.value)} | {m(i.message)} | {m(i.fix)} |"
            )
    return "\n".join(out) + "\n"


class AnnotatedCopyError(ValueError):
    """The annotated copy could not be written; the message says why, in plain words."""


# Problems sheet columns: (word key, width). Long texts wrap in the wide ones.
_PROBLEM_COLUMNS = (
    ("sheet", 16),
    ("cell", 9),
    ("severity", 14),
    ("code", 22),
    ("meaning", 36),
    ("column", 20),
    ("value", 24),
    ("problem", 50),
    ("fix", 50),
)


def write_annotated(source: str | Path, submission: Submission, out: str | Path) -> Path:
    """Copy the workbook with each problem cell filled and commented, plus a Problems sheet.

    The copy keeps every sheet of the original; it is checked after writing,
    and when it cannot be written whole ``AnnotatedCopyError`` says why and
    no copy is left at ``out``. A problem in a merged range is marked on the
    range's top-left cell (the only one Excel shows), whose comment names the
    cell and the range. Every text written is stored as a string cell, shown
    as typed (``for_excel``), never a formula.
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    if submission.status == "rejected":
        raise AnnotatedCopyError(
            "the workbook was rejected as a whole; there are no cells to annotate"
        )
    w = words(submission.language)
    source, out = Path(source), Path(out)
    try:
        original = _sheet_names(source)
        prepared = _prepared_for_openpyxl(source)
        with (
            warnings.catch_warnings()
        ):  # openpyxl warns about parts it drops (e.g. unknown extensions)
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(prepared)
    except Exception as exc:  # openpyxl raises many kinds; any of them means no copy
        raise AnnotatedCopyError(
            f"openpyxl could not open the workbook ({type(exc).__name__}: {exc})"
        ) from exc
    lost = [name for name in original if name not in book.sheetnames]
    if lost:
        raise AnnotatedCopyError(f"the copy would lack the sheet(s) {', '.join(lost)}")

    _mark_cells(book, submission.issues, w)
    name = _problems_sheet_name(book, w)
    problems = book.create_sheet(name, 0)
    headers = [w[key] for key, _ in _PROBLEM_COLUMNS]
    for c, header in enumerate(headers, start=1):
        write_excel_text(problems.cell(1, c), header).font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, i in enumerate(_problem_order(submission.issues, book.sheetnames), start=2):
        row = [
            i.sheet,
            i.cell or (str(i.row) if i.row else ""),
            w[i.severity],
            i.code,
            code_meaning(i.code, submission.language),
            i.column,
            i.value,
            i.message,
            i.fix,
        ]
        for c, value in enumerate(row, start=1):
            write_excel_text(problems.cell(r, c), value).alignment = wrap
        if i.cell and i.sheet in book.sheetnames:
            link = problems.cell(r, 2)
            quoted = i.sheet.replace("'", "''")  # Excel doubles a quote inside a quoted sheet name
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{i.cell}")
            link.font = Font(color="0563C1", underline="single")
    widths = {column_letter(c): width for c, (_, width) in enumerate(_PROBLEM_COLUMNS)}
    for letter, width in widths.items():
        problems.column_dimensions[letter].width = width
    fit_row_heights(problems, widths)
    problems.freeze_panes = "A2"
    problems.auto_filter.ref = problems.dimensions
    book.active = 0
    for sheet in book.worksheets[1:]:  # only the Problems tab selected, else Excel groups the tabs
        sheet.sheet_view.tabSelected = False
    try:
        book.save(out)
        written = _sheet_names(out)
    except Exception as exc:
        out.unlink(missing_ok=True)
        raise AnnotatedCopyError(
            f"the copy could not be saved ({type(exc).__name__}: {exc})"
        ) from exc
    missing = [sheet for sheet in [name, *original] if sheet not in written]
    if missing:
        out.unlink(missing_ok=True)
        raise AnnotatedCopyError(f"the copy written lacked the sheet(s) {', '.join(missing)}")
    return out


def _mark_cells(book, issues: list[Issue], w: dict[str, str]) -> None:
    """Fill each problem cell (red for errors, yellow for warnings) and comment it.

    Excel shows a merged range by its top-left cell only, and openpyxl cannot
    style or comment the others: a problem inside a range is marked there,
    its comment naming the cell and the range.
    """
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    fills = {
        ERROR: PatternFill("solid", fgColor="FFC7CE"),
        WARNING: PatternFill("solid", fgColor="FFEB9C"),
    }
    notes: dict[tuple[str, str], list[str]] = {}
    worst: dict[tuple[str, str], str] = {}
    for i in issues:
        if i.sheet not in book.sheetnames or not i.cell:
            continue
        anchor, merged = _merged_anchor(book[i.sheet], i.cell)
        where = w["merged"].format(cell=i.cell, range=merged) + " " if merged else ""
        key = (i.sheet, anchor)
        notes.setdefault(key, []).append(
            f"{where}{w[i.severity]} ({i.code}): {i.message} {i.fix}".strip()
        )
        if worst.get(key) != ERROR:
            worst[key] = i.severity
    for (sheet, cell), lines in notes.items():
        target = book[sheet][cell]
        target.fill = fills[worst[(sheet, cell)]]
        comment = Comment(for_excel("\n".join(lines)), "connector-rollup")
        comment.width, comment.height = 320, 40 + 60 * len(lines)
        target.comment = comment


def _merged_anchor(sheet, cell: str) -> tuple[str, str | None]:
    """(the cell Excel shows for ``cell``, the merged range holding it or None)."""
    for merged in sheet.merged_cells.ranges:
        if cell in merged:
            return merged.start_cell.coordinate, merged.coord
    return cell, None


def _problem_order(issues: list[Issue], sheet_names: list[str]) -> list[Issue]:
    """Errors before warnings, then the file's own problems, sheets in tab order, rows top down."""
    position = {name: n for n, name in enumerate(sheet_names)}

    def key(i: Issue):
        return (i.severity != ERROR, position.get(i.sheet, -1) if i.sheet else -2, i.row or 0)

    return sorted(issues, key=key)


def _problems_sheet_name(book, w: dict[str, str]) -> str:
    """A name for the Problems sheet that replaces no sheet of the community's.

    A Problems sheet of an earlier annotated copy (same headers) is replaced:
    coordinators validate the copy again once they have fixed it.
    """
    base = w["problems"]
    if base in book.sheetnames:
        header = [c.value for c in next(book[base].iter_rows(max_row=1), ())]
        if header[:4] in ([words(lang)[k] for k, _ in _PROBLEM_COLUMNS[:4]] for lang in WORDS):
            del book[base]
            return base
    name, n = base, 2
    while name in book.sheetnames:
        name, n = f"{base} ({n})", n + 1
    return name


def _sheet_names(workbook: Path | io.BytesIO) -> list[str]:
    """The sheet names the workbook part lists, read without openpyxl, whatever its namespaces.

    The copy is checked against this: openpyxl skips sheets it does not
    recognise (Strict Open XML's, before their namespaces are rewritten)
    without a word. Only workbooks the reader accepted get here, so the XML
    holds no DOCTYPE or entity.
    """
    import xml.etree.ElementTree as ET

    if isinstance(workbook, io.BytesIO):
        workbook.seek(0)
    with zipfile.ZipFile(workbook) as archive:
        rels = ET.fromstring(archive.read("_rels/.rels"))
        target = next(
            (r.get("Target") for r in rels if (r.get("Type") or "").endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        root = ET.fromstring(archive.read(target.lstrip("/")))
    if isinstance(workbook, io.BytesIO):
        workbook.seek(0)
    return [
        e.get("name") for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "sheet" and e.get("name")
    ]


# A worksheet part's blank tail is trimmed from the copy only when it is this large:
# below it the copy keeps every formatted row, as the community made it.
BLANK_TAIL_BYTES = 1024 * 1024
# What makes a cell hold something: a non-empty value, an inline text, or a formula
# with no cached value (its value is unknown). A formula whose cached value is empty
# (a helper formula filled down a whole column) holds nothing, as for the reader.
_CONTENT = re.compile(rb"<v>[^<]|</is>|<f\b[^>]*(?:/>|>[^<]*</f>)(?!\s*<v)")
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:(?:sheetData|row|c|v|f|is)[\s/>]")
# Strict Open XML names its parts' namespaces and relationship types under
# purl.oclc.org; openpyxl knows only the transitional names, and without them
# finds no sheet at all. Same vocabulary, other names (ECMA-376 Part 1, 2016).
_STRICT = re.compile(
    rb"http://purl\.oclc\.org/ooxml/(spreadsheetml|drawingml|officeDocument|wordprocessingml|"
    rb"presentationml)/"
)
_STRICT_RENAMED = (
    (b"relationships/extendedProperties", b"relationships/extended-properties"),
    (b"relationships/customProperties", b"relationships/custom-properties"),
    (b"2006/extendedProperties", b"2006/extended-properties"),
    (b"2006/customProperties", b"2006/custom-properties"),
)
_UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00?\x00", b"\x00<\x00?")
_ENCODING_DECLARED = re.compile(rb"""(<\?xml[^>]*?encoding\s*=\s*["'])[^"']*(["'])""")


def _prepared_for_openpyxl(source: Path) -> Path | io.BytesIO:
    """The workbook as openpyxl can load it whole and quickly; ``source`` itself when it can already.

    In memory, part by part: UTF-16 XML becomes UTF-8 (openpyxl's parsing of
    some parts assumes UTF-8); Strict Open XML's namespaces become their
    transitional names; a worksheet's large blank tail is cut (see
    ``_cut_blank_tail``). What a cell holds is never changed.
    """
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
        changed = {}
        for member in members:
            if not member.filename.endswith((".xml", ".rels")):
                continue
            original = xml = archive.read(member)
            xml = _strict_to_transitional(_as_utf8(xml))
            if WORKSHEET_PART.match(member.filename) and len(xml) > BLANK_TAIL_BYTES:
                cut = _cut_blank_tail(xml)
                if len(xml) - len(cut) > BLANK_TAIL_BYTES:
                    xml = cut
            if xml != original:
                changed[member.filename] = xml
        if not changed:
            return source
        copy = io.BytesIO()
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
            for member in members:
                out.writestr(member.filename, changed.get(member.filename) or archive.read(member))
    copy.seek(0)
    return copy


def _as_utf8(xml: bytes) -> bytes:
    """``xml`` in UTF-8, its declaration saying so; unchanged unless it is UTF-16."""
    if not xml.startswith(_UTF16_STARTS):
        return xml
    # The BOM says the byte order; without one, where the zero bytes of "<?" fall does.
    codec = (
        "utf-16"
        if xml.startswith((b"\xff\xfe", b"\xfe\xff"))
        else "utf-16-le"
        if xml.startswith(b"<")
        else "utf-16-be"
    )
    text = xml.decode(codec)
    return _ENCODING_DECLARED.sub(rb"\1UTF-8\2", text.lstrip("\ufeff").encode("utf-8"), count=1)


def _strict_to_transitional(xml: bytes) -> bytes:
    """``xml`` with Strict Open XML's namespace and relationship names in their transitional form."""
    if b"purl.oclc.org/ooxml/" not in xml:
        return xml
    xml = _STRICT.sub(rb"http://schemas.openxmlformats.org/\1/2006/", xml)
    for strict, transitional in _STRICT_RENAMED:
        xml = xml.replace(strict, transitional)
    return xml


def _cut_blank_tail(xml: bytes) -> bytes:
    """``xml`` without the rows after the last one holding content; unchanged when unsure.

    A million formatted blank rows after the data (borders applied to whole
    rows, or a helper formula filled down to the bottom) are cells to
    openpyxl: loading them took about a minute and over 1 GB. What goes is
    the formatting and the empty-valued formulas of rows nothing follows, in
    the copy only. Unsure: prefixed elements (``<x:c>``), where the tags
    searched for differ.
    """
    start, end = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
    # Prefixes outside the cells (Excel's <xm:f> in extLst validations) do not matter.
    if start < 0 or end < 0 or _PREFIXED.search(xml, start, end):
        return xml
    last = None
    for last in _CONTENT.finditer(xml, start, end):  # noqa: B007 (the last match is wanted)
        pass
    if last is None:  # no content at all: keep the rows (nothing to annotate there anyway)
        return xml
    row_end = xml.find(b"</row>", last.end(), end)
    if row_end < 0:
        return xml
    row_end += len(b"</row>")
    return xml[:row_end] + xml[end:]
