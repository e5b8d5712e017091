"""The quarter's reports from the warehouse: national Markdown, a page per community, charts.

Everything here reads what the warehouse build wrote, and nothing else: the
warehouse (figures, workbooks, the registry; read only) and its pages file
beside it (``warehouse.pages_path``: the files' own names and each problem as
a community's page quotes it, secretariat only). So the reports can be
rebuilt from those two files alone, without a workbook (``connector-rollup
report``); no figure is computed twice. The warehouse names workbooks by
content; the reports name them by the files' own names, from the pages file.
Same files, same bytes: no timestamps, fixed ordering, PNGs saved without
software metadata. What a community typed is escaped (``escape.for_markdown``)
where it is echoed; a community's page is in its language (``WORDS``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from connector_rollup import escape, messages
from connector_rollup.intake import feedback
from connector_rollup.periods import Period
from connector_rollup.registry import Community
from connector_rollup.rollup.warehouse import pages_path
from connector_rollup.submission import Issue, Submission

MEASURES = ("connectees", "connectors", "jobs")
STATUSES = ("accepted", "superseded", "rejected")
LANGUAGES = ("en", "fr")
CHARTS = ("figures_by_quarter.png", "jobs_by_outcome.png")
# counting-rules.md, Jobs: the reasons in the order they are tried (worded in messages.py).
JOB_REASONS = tuple(messages.JOB_REASONS)

# The reports' own words, (English, French). A community's page is in the
# community's language; the national report, for the secretariat, is in
# English. Issue meanings and job reasons are in messages.py; what a
# community typed is never here, and is escaped where it is echoed.
WORDS: dict[str, tuple[str, str]] = {
    "measure.connectees": ("Connectees onboarded", "Connectés intégrés"),
    "measure.connectors": ("Connectors", "Connecteurs"),
    "measure.jobs": ("Connectees in qualifying jobs", "Connectés en emploi admissible"),
    "status.accepted": ("accepted", "accepté"),
    "status.superseded": ("superseded", "remplacé"),
    "status.rejected": ("rejected", "rejeté"),
    "meaning.accepted": ("used for the roll-up", "utilisé pour le bilan"),
    "meaning.superseded": (
        "replaced by a later workbook for the same quarter; not used",
        "remplacé par un classeur plus récent pour le même trimestre; non utilisé",
    ),
    "meaning.rejected": (
        "could not be used at all (a file error); nothing in it was counted",
        "n'a pas pu être utilisé du tout (erreur de fichier); rien n'y a été compté",
    ),
    "severity.error": ("error", "erreur"),
    "severity.warning": ("warning", "avertissement"),
    "workbook": ("{file} ({period}, submitted on {date})", "{file} ({period}, soumis le {date})"),
    "workbook.undated": ("{file} ({period})", "{file} ({period})"),
    "quarter_unreadable": ("quarter unreadable", "trimestre illisible"),
    "replaced_by": (
        "Replaced by {file}, submitted on {date}.",
        "Remplacé par {file}, soumis le {date}.",
    ),
    "not_tracked": ("not tracked", "non suivi"),
    "share": ("{n} ({percent} of {whole})", "{n} ({percent} de {whole})"),
    "share.no_whole": ("{n} (national: 0)", "{n} (national : 0)"),
    "percent": ("{value}%", "{value}\u202f%"),
    "percent.tiny": ("under 0.1%", "moins de 0,1\u202f%"),
    "page.title": (
        "{name} ({code}): roll-up for {period}",
        "{name} ({code}) : bilan national de {period}",
    ),
    "page.intro": (
        "This page is for the {name} Connector Program team and the national secretariat. It shows what "
        "the national roll-up counted for {name}, what became of each workbook you sent, and any problems "
        "found in them with how to fix them. Quarter {period} runs from {first} to {last}.",
        "Cette page s'adresse à l'équipe du Programme de connecteurs à {name} et au secrétariat national. "
        "Elle montre ce que le bilan national a compté pour {name}, ce qu'il est advenu de chaque classeur "
        "que vous avez envoyé, et les problèmes trouvés, avec la façon de les corriger. Le trimestre "
        "{period} va du {first} au {last}.",
    ),
    "page.used": (
        "Your workbook {file} was received and used.",
        "Votre classeur {file} a été reçu et utilisé.",
    ),
    "page.rows_left_out": (
        "Rows left out because of an error: {n} (see the problems below).",
        "Lignes exclues à cause d'une erreur : {n} (voir les problèmes plus bas).",
    ),
    "page.rejected": (
        "Your workbook {file} could not be used. {reason}",
        "Votre classeur {file} n'a pas pu être utilisé. {reason}",
    ),
    "page.none_usable": (
        "No workbook for {period} could be used.",
        "Aucun classeur pour {period} n'a pu être utilisé.",
    ),
    "page.none": (
        "No workbook for {period} was received.",
        "Aucun classeur pour {period} n'a été reçu.",
    ),
    "page.joins": (
        "Your community joins the program on {date}.",
        "Votre communauté se joint au programme le {date}.",
    ),
    "figures.heading": ("Your figures", "Vos chiffres"),
    "figures.intro": (
        "Each person counts once in {name}, at the first date they qualify here. In brackets: your share "
        "of the national figure, where each person counts once across all communities.",
        "Chaque personne compte une fois à {name}, à la première date où elle se qualifie ici. Entre "
        "parenthèses : votre part du chiffre national, où chaque personne compte une fois pour toutes "
        "les communautés.",
    ),
    "figures.not_tracked": (
        'Your workbook says that you do not track jobs, so the jobs figure reads "not tracked" where '
        "nothing was reported.",
        "Votre classeur indique que vous ne suivez pas les emplois : le chiffre des emplois indique "
        "« non suivi » là où rien n'a été déclaré.",
    ),
    "col.figure": ("Figure", "Chiffre"),
    "col.this_quarter": ("This quarter ({period})", "Ce trimestre ({period})"),
    "col.fytd": ("Fiscal year to date ({fiscal_year})", "Exercice {fiscal_year} à ce jour"),
    "col.cumulative": ("Cumulative since 2009", "Cumul depuis 2009"),
    "workbooks.heading": ("Your workbooks", "Vos classeurs"),
    "workbooks.intro": (
        "Every workbook received from you, newest quarter first.",
        "Chaque classeur reçu de vous, du trimestre le plus récent au plus ancien.",
    ),
    "workbooks.none": (
        "No workbook has been received from you.",
        "Aucun classeur n'a été reçu de vous.",
    ),
    "col.quarter": ("Quarter", "Trimestre"),
    "col.file": ("File", "Fichier"),
    "col.submitted_on": ("Submitted on", "Soumis le"),
    "col.status": ("Status", "Statut"),
    "col.rows_read": ("Rows read", "Lignes lues"),
    "col.rows_rejected": ("Rows rejected", "Lignes rejetées"),
    "col.reason": ("Reason", "Motif"),
    "col.cell": ("Cell", "Cellule"),
    "col.severity": ("Severity", "Gravité"),
    "col.code": ("Code", "Code"),
    "col.problem": ("Problem", "Problème"),
    "problems.heading": (
        "Problems found and how to fix them",
        "Problèmes trouvés et comment les corriger",
    ),
    "problems.none": (
        "No problems were found in your workbooks.",
        "Aucun problème n'a été trouvé dans vos classeurs.",
    ),
    "problems.only_replaced": (
        "The workbooks in use have no problems. Rows rejected in a workbook that a later one replaced no "
        "longer count, so they are not listed.",
        "Les classeurs utilisés n'ont aucun problème. Les lignes rejetées d'un classeur remplacé par un "
        "plus récent ne comptent plus; elles ne sont donc pas énumérées.",
    ),
    "problems.replaced_not_listed": (
        "Problems in a workbook that a later one replaced are not listed: only the later one counts.",
        "Les problèmes d'un classeur remplacé par un plus récent ne sont pas énumérés : seul le plus "
        "récent compte.",
    ),
    "problems.intro": (
        "Each problem names the sheet and the cell. An **error** left the row out of the count (or, for "
        "the whole file, the workbook); a **warning** did not, but is worth a look. Fix the cells in your "
        "own file and send it again for the same quarter: the newer workbook replaces the older one.",
        "Chaque problème nomme la feuille et la cellule. Une **erreur** a exclu la ligne du compte (ou, "
        "pour le fichier entier, le classeur); un **avertissement** ne l'a pas exclue, mais mérite un coup "
        "d'œil. Corrigez les cellules dans votre propre fichier et renvoyez-le pour le même trimestre : le "
        "classeur le plus récent remplace l'ancien.",
    ),
    "problems.whole_file": ("The whole file", "Le fichier entier"),
    "problems.row": ("row {row}", "ligne {row}"),
    "legend": ("**{status}**: {meaning}.", "**{status}** : {meaning}."),
}
MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}


def words(key: str, lang: str = "en", **params: object) -> str:
    """The report's phrase ``key`` in ``lang`` (English unless ``"fr"``), filled with ``params``."""
    english, french = WORDS[key]
    text = french if lang == "fr" else english
    return text.format(**params) if params else text


def workbook_label(
    file_name: str, period: str | None, submitted_on: dt.date | None, lang: str = "en"
) -> str:
    """How the reports name a workbook, as plain text: its file name, quarter and Submitted-on date.

    ``file_name`` is the file as the community named it, with its folder
    relative to --raw. Escape the result for the medium it is written to.
    """
    period_text = period or words("quarter_unreadable", lang)
    if submitted_on is None:
        return words("workbook.undated", lang, file=file_name, period=period_text)
    return words(
        "workbook", lang, file=file_name, period=period_text, date=_day(submitted_on, lang)
    )


# --- reading the warehouse ----------------------------------------------------


@dataclass(frozen=True)
class _Figures:
    this_quarter: int
    year_earlier: int
    fytd: int
    cumulative: int


@dataclass(frozen=True)
class _Workbook:
    """One workbook found, as the reports show it."""

    community_code: str | None  # None: no registered community could be read from it
    period: str | None
    name: str  # the file as the community named it (the warehouse's label when not given)
    sha256: str
    submitted_on: dt.date | None
    status: str
    rows_read: int
    rows_rejected: int
    reason: str | None
    tracks_jobs: bool | None
    language: str

    def label(self, lang: str) -> str:
        """The workbook's name, quarter and date, as Markdown."""
        return _text(workbook_label(self.name, self.period, self.submitted_on, lang))


@dataclass(frozen=True)
class _Issue:
    workbook: str  # the workbook's name, as in _Workbook
    community_code: str | None
    period: str | None
    sheet: str | None
    row: int | None
    cell: str | None
    severity: str
    code: str
    message: str


@dataclass(frozen=True)
class _Warehouse:
    """Everything the reports need, read once from the warehouse and its pages file."""

    quarter: Period
    registry: dict[str, Community]  # as the warehouse was built with
    feedback: dict[str, str]  # community code: its workbooks' problems as its page quotes them
    demo_key: bool
    national: dict[str, _Figures]
    community: dict[str, dict[str, _Figures]]
    quarterly: list[tuple]  # national_quarterly rows
    communities: list[tuple]  # code, name, active, submitted, tracks_jobs, joined_on
    workbooks: list[_Workbook]  # by community (unattributed last), newest quarter first
    issues: list[_Issue]
    quality: dict[str, int]
    jobs_by_outcome: list[tuple]  # (reason or None, jobs)
    review_size: int
    review_pending: int
    # Publications (publication.py): (period, published_at) of each, oldest first, and the
    # revisions view's rows; none in a warehouse built before publication existed.
    publications: list[tuple] = ()
    revisions: list[tuple] = ()


def _read(
    warehouse_path: str | os.PathLike[str],
    quarter: Period | None = None,
    registry: Mapping[str, Community] | None = None,
) -> _Warehouse:
    """Read the warehouse and its pages file; ``quarter`` (default: the warehouse's) must be its roll-up's.

    ``registry`` replaces the registry the warehouse was built with (which
    communities get a page, their names).
    """
    if not Path(warehouse_path).is_file():
        raise FileNotFoundError(f"There is no warehouse at {warehouse_path}.")
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        ((built_for, demo_key, content_hash),) = con.execute(
            "select quarter, demo_key, content_hash from run_info"
        ).fetchall()
        if quarter is None:
            quarter = Period.parse(built_for)
        if built_for != quarter.label:
            raise ValueError(
                f"The warehouse {warehouse_path} holds the roll-up of {built_for}, "
                f"not of {quarter.label}: run the roll-up for {quarter.label} first."
            )
        if registry is None:
            registry = {
                code: Community(
                    code,
                    name,
                    province,
                    frozenset(c for c in eligible.split(";") if c),
                    joined_on,
                    language,
                )
                for code, name, province, eligible, joined_on, language in con.execute(
                    "select code, name, province, eligible_categories, joined_on, language "
                    "from stg_communities order by code"
                ).fetchall()
            }
        pages = _read_pages(pages_path(warehouse_path), built_for, content_hash)
        file_names: dict[tuple[str, str], list[str]] = {}
        for book in pages["workbooks"]:
            file_names.setdefault((book["sha256"], book["status"]), []).append(book["file_name"])
        file_names = {key: sorted(found) for key, found in sorted(file_names.items())}
        national: dict[str, _Figures] = {}
        community: dict[str, dict[str, _Figures]] = {}
        for level, code, measure, *figures in con.execute(
            "select level, community_code, measure, this_quarter, year_earlier_quarter, "
            "fiscal_year_to_date, cumulative from rollup_figures"
        ).fetchall():
            target = national if level == "national" else community.setdefault(code, {})
            target[measure] = _Figures(*(int(f or 0) for f in figures))
        # The staging table, not the view: the pages also need each workbook's language and
        # Tracks jobs answer. Its file_name is the content label (summary.warehouse_label).
        submissions = con.execute(
            "select community_code, period, file_name, sha256, submitted_on, status, rows_read, "
            "rows_rejected, reason, tracks_jobs, language from stg_submissions "
            "order by sha256, status, file_name"
        ).fetchall()
        issues = con.execute(
            'select sha256, status, community_code, period, sheet, "row", cell, severity, code, message '
            "from validation_issues join (select distinct file_name, sha256, status from stg_submissions "
            "where status <> 'superseded') using (file_name) "
            'order by period desc nulls last, sha256, sheet nulls first, "row" nulls first, cell, code, message'
        ).fetchall()
        workbooks, names = _workbooks(submissions, file_names)
        published = con.execute(
            "select count(*) from duckdb_views() where view_name = 'revisions'"
        ).fetchone()[0]
        return _Warehouse(
            quarter=quarter,
            registry=dict(registry),
            feedback=_feedback(pages, registry),
            demo_key=bool(demo_key),
            national=national,
            community=community,
            quarterly=con.execute(
                "select period, fiscal_year, quarter, connectees, connectors, jobs "
                "from national_quarterly order by period"
            ).fetchall(),
            communities=con.execute(
                "select code, name, active, submitted, tracks_jobs, joined_on "
                "from communities order by code"
            ).fetchall(),
            workbooks=workbooks,
            issues=[_Issue(names[(sha, status)], *rest) for sha, status, *rest in issues],
            quality=dict(con.execute("select metric, value from data_quality").fetchall()),
            jobs_by_outcome=con.execute(
                "select reason, count(*) from job_outcomes group by reason"
            ).fetchall(),
            review_size=con.execute("select count(*) from review_list").fetchone()[0],
            review_pending=con.execute(
                "select count(*) from review_list where decided is null"
            ).fetchone()[0],
            publications=con.execute(
                "select period, published_at from publications order by published_at, period"
            ).fetchall()
            if published
            else [],
            revisions=con.execute(
                "select period, scope, figure_period, figure, published, current, change, reasons "
                "from revisions"
            ).fetchall()
            if published
            else [],
        )


def _read_pages(path: Path, period: str, content_hash: str) -> dict[str, list[dict[str, Any]]]:
    """The pages file's workbooks and problems, as dicts; none when there is no pages file.

    A warehouse copied without its pages file (an analyst's) still makes
    reports: workbooks named by their content labels, problems as the
    warehouse words them. A pages file of another roll-up is refused.
    """
    if not path.is_file():
        return {"workbooks": [], "problems": []}
    with duckdb.connect(str(path), read_only=True) as con:
        run = con.execute("select period, content_hash from page_run").fetchall()
        if run != [(period, content_hash)]:
            raise ValueError(
                f"The pages file {path} is not of the roll-up its warehouse holds: "
                "run the roll-up again to write both."
            )
        found = {}
        for table, order in (
            ("page_workbooks", "file_name, sha256, status"),
            ("page_problems", "file_name, position"),
        ):
            cursor = con.execute(f"select * from {table} order by {order}")
            columns = [d[0] for d in cursor.description]
            found[table.removeprefix("page_")] = [dict(zip(columns, r)) for r in cursor.fetchall()]
        return found


def _feedback(
    pages: dict[str, list[dict[str, Any]]], registry: Mapping[str, Community]
) -> dict[str, str]:
    """Each registered community's problems, as Markdown (``feedback.format_markdown``), from the pages file.

    One block per workbook in use that has problems, newest quarter first as
    the page's table of workbooks (then by file name): this quarter's lead.
    """
    problems: dict[str, list[Issue]] = {}
    for p in pages["problems"]:
        problems.setdefault(p["file_name"], []).append(
            Issue(
                file_name=p["file_name"],
                sheet=p["sheet"],
                row=p["row"],
                column=p["column"],
                cell=p["cell"],
                severity=p["severity"],
                code=p["code"],
                value=p["value"],
                message=p["message"],
                fix=p["fix"] or "",
            )
        )
    books = [
        b
        for b in pages["workbooks"]
        if b["community_code"] in registry
        and b["status"] != "superseded"
        and problems.get(b["file_name"])
    ]
    found: dict[str, str] = {}
    for b in sorted(books, key=lambda b: str(b["period"] or ""), reverse=True):
        period = Period.parse(b["period"]) if b["period"] else None
        submission = Submission(
            file_name=b["file_name"],
            sha256=b["sha256"],
            status=b["status"],
            language=b["language"] or "en",
            reason=b["reason"] or "",
            community_code=b["community_code"],
            period=period,
            submitted_on=b["submitted_on"],
            issues=problems[b["file_name"]],
            rows_read=int(b["rows_read"] or 0),
            rows_rejected=int(b["rows_rejected"] or 0),
        )
        title = workbook_label(b["file_name"], b["period"], b["submitted_on"], submission.language)
        block = feedback.format_markdown(submission, heading_level=3, title=title)
        found[b["community_code"]] = found.get(b["community_code"], "") + block + "\n"
    return found


def _workbooks(
    rows: list[tuple], file_names: Mapping[tuple[str, str], Sequence[str]]
) -> tuple[list[_Workbook], dict[tuple[str, str], str]]:
    """The warehouse's submissions named by their files, in the order the pages list them.

    ``file_names[(sha256, status)]`` are the names the flow found; rows of the
    same bytes and status are alike but for their name, so each takes the next
    one. Also returns the first name of each (sha256, status), for the issues.
    """
    left = {key: list(found) for key, found in file_names.items()}
    workbooks, first = [], {}
    for (
        code,
        period,
        label,
        sha,
        submitted_on,
        status,
        read,
        rejected,
        reason,
        tracks,
        lang,
    ) in rows:
        found = left.get((sha, status))
        name = found.pop(0) if found else label
        first.setdefault((sha, status), name)
        workbooks.append(
            _Workbook(
                code,
                period,
                name,
                sha,
                submitted_on,
                status,
                int(read or 0),
                int(rejected or 0),
                reason or None,
                tracks,
                lang or "en",
            )
        )
    # By community (unattributed last), newest quarter first, latest submission first, then by name.
    workbooks.sort(key=lambda b: b.name)
    workbooks.sort(key=lambda b: b.submitted_on or dt.date.min, reverse=True)
    workbooks.sort(key=lambda b: b.period or "", reverse=True)
    workbooks.sort(key=lambda b: (b.community_code is None, b.community_code or ""))
    return workbooks, first


def headline_figures(
    warehouse_path: str | os.PathLike[str], quarter: Period | None = None
) -> dict[str, int]:
    """The quarter's national figures: ``{"connectees": n, "connectors": n, "jobs": n}``."""
    national = _read(warehouse_path, quarter).national
    return {m: national[m].this_quarter for m in MEASURES}


# --- formatting -----------------------------------------------------------------


def _text(value: object) -> str:
    """What a community typed (a file name, a cell, a reason quoting one), as Markdown that shows it as text."""
    return escape.for_markdown(value)


def _day(day: dt.date, lang: str = "en") -> str:
    """``1 July 2026``; in French ``1er juillet 2026``."""
    month = MONTHS["fr" if lang == "fr" else "en"][day.month - 1]
    if lang == "fr":
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    return f"{day.day} {month} {day.year}"


def _n(value: int | None, lang: str = "en") -> str:
    """A count grouped as each language writes it: ``6,748``; in French ``6 748`` (narrow no-break space)."""
    if value is None:
        return "—"
    grouped = f"{value:,}"
    return grouped.replace(",", "\u202f") if lang == "fr" else grouped


def _change(now: int, before: int) -> str:
    diff = now - before
    sign = "+" if diff > 0 else ("-" if diff < 0 else "")
    if before == 0:
        return f"{sign}{abs(diff):,} (n/a)"
    return f"{sign}{abs(diff):,} ({sign}{_percent(abs(diff), before)})"


def _percent(part: int, whole: int, lang: str = "en") -> str:
    """``part`` as a percentage of ``whole`` to one decimal; a share too small to show is "under 0.1%", never "0.0%"."""
    share = part / whole * 100
    if 0 < share < 0.05:
        return words("percent.tiny", lang)
    value = f"{share:.1f}"
    return words("percent", lang, value=value.replace(".", ",") if lang == "fr" else value)


def _share(part: int, whole: int, lang: str = "en") -> str:
    if whole == 0:
        return words("share.no_whole", lang, n=_n(part, lang))
    return words(
        "share", lang, n=_n(part, lang), percent=_percent(part, whole, lang), whole=_n(whole, lang)
    )


def _not_tracked(measure: str, value: int, tracks_jobs: bool | None) -> bool:
    """Whether a community's figure reads "not tracked": a zero jobs figure of a community that does not track jobs."""
    return measure == "jobs" and tracks_jobs is False and value == 0


def _table(header: list[str], rows: list[list[object]], align: str = "") -> list[str]:
    """A Markdown table of cells that are already Markdown (escape typed values first); None shows as —."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join("—" if c is None else str(c) for c in row) + " |" for row in rows]
    return lines


def _name(code: str, registry: Mapping[str, Community]) -> str:
    """A community as the national report names it: ``Halifax (NS-HFX)``."""
    return f"{_text(registry[code].name) if code in registry else ''} ({code})".lstrip()


def _names(codes: list[str], registry: Mapping[str, Community]) -> str:
    return ", ".join(_name(c, registry) for c in codes) if codes else "none"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _humanise(code: str) -> str:
    return code.replace("_", " ").strip().capitalize()


def _tracks_jobs(books: list[_Workbook], quarter: Period) -> bool | None:
    """The Tracks jobs answer of the community's latest workbook used up to ``quarter``; None without one."""
    used = [b for b in books if b.status == "accepted" and b.period and b.period <= quarter.label]
    return max(used, key=lambda b: b.period).tracks_jobs if used else None


def _language(community: Community, books: list[_Workbook], quarter: Period) -> str:
    """The page's language: its latest readable workbook's up to ``quarter``, else the registry's."""
    read = [
        b
        for b in books
        if b.status != "rejected"
        and b.period
        and b.period <= quarter.label
        and b.language in LANGUAGES
    ]
    if not read:
        return community.language
    return max(read, key=lambda b: (b.period, b.submitted_on or dt.date.min, b.sha256)).language


def _why(book: _Workbook, books: list[_Workbook], lang: str) -> str | None:
    """Why a workbook was not used, as Markdown: the replacing file by name, or the file error's sentence."""
    if book.status == "superseded":
        later = [b for b in books if b.status == "accepted" and b.period == book.period]
        if later:
            date = _day(later[0].submitted_on, lang) if later[0].submitted_on else "—"
            return words("replaced_by", lang, file=_text(later[0].name), date=date)
    return _text(book.reason) if book.reason else None


def _unused_this_quarter(books: list[_Workbook], quarter: Period) -> list[_Workbook]:
    """Rejected workbooks that may be for ``quarter``: its own, and those whose quarter could not be read."""
    return [b for b in books if b.status == "rejected" and b.period in (quarter.label, None)]


# --- national report ----------------------------------------------------------------


def national_summary_markdown(
    warehouse_path: str | os.PathLike[str],
    *,
    quarter: Period | None = None,
    registry: Mapping[str, Community] | None = None,
    code_meanings: Mapping[str, str] | None = None,
) -> str:
    """The national report as Markdown, read from the warehouse and its pages file.

    ``code_meanings`` gives the plain meaning of validation codes
    (``{code: meaning}``); a code without one is shown as itself. See
    ``write_reports`` for ``quarter`` and ``registry``.
    """
    w = _read(warehouse_path, quarter, registry)
    return _national(w, w.quarter, w.registry, code_meanings or {})


def _national(w: _Warehouse, quarter: Period, registry, code_meanings) -> str:
    year_earlier = quarter.year_earlier()
    out = [
        f"# National Connector Program: national roll-up for {quarter.label}",
        "",
        f"Quarter {quarter.label} runs from {_day(quarter.first_day)} to {_day(quarter.last_day)}, "
        f"in fiscal year {quarter.fiscal_year} (1 April {quarter.start_year} to 31 March "
        f"{quarter.start_year + 1}). This report adds up what the communities that run a "
        "Connector Program sent for this quarter and every quarter before it.",
        "",
    ]
    if w.demo_key:
        out += [
            "> **Demo key in use.** The pseudonyms in the warehouse were made with the public "
            "demonstration key, so they do not protect anyone. Set `CONNECTOR_ROLLUP_KEY` or "
            "`CONNECTOR_ROLLUP_KEY_FILE` before rolling up real data.",
            "",
        ]
    out += _headline(w, quarter, year_earlier)
    out += _community_table(w, quarter, registry)
    out += _revised(w, quarter, registry)
    out += _coverage(w, quarter, registry)
    out += _data_quality(w, code_meanings, registry)
    out += [
        "## Charts",
        "",
        "The first chart shows, for each quarter since the program's first records, how many "
        "people were counted nationally. The second shows every job record the communities "
        "reported and whether it counts.",
        "",
        "![People counted nationally, by quarter](charts/figures_by_quarter.png)",
        "",
        "![Job records by outcome](charts/jobs_by_outcome.png)",
        "",
    ]
    return "\n".join(out)


def _headline(w: _Warehouse, quarter: Period, year_earlier: Period) -> list[str]:
    rows = []
    for m in MEASURES:
        f = w.national[m]
        rows.append(
            [
                words(f"measure.{m}"),
                _n(f.this_quarter),
                _n(f.year_earlier),
                _change(f.this_quarter, f.year_earlier),
                _n(f.fytd),
                _n(f.cumulative),
            ]
        )
    return [
        "## Headline figures",
        "",
        "- **Connectees onboarded**: newcomers and graduates accepted into the program who had "
        "their intake meeting and were introduced to at least one Connector. Each counts once, "
        "at their first introduction.",
        "- **Connectors**: local professionals who received the toolkit and made at least one "
        "introduction. Each counts once, ever, at their first introduction.",
        "- **Connectees in qualifying jobs**: Connectees who started a job in their field, at the "
        "level of the experience they had before coming. Each counts once, at their first such "
        "job.",
        "",
        "Each person counts once nationally, even when they took part in several communities. "
        f"The change compares this quarter with the same quarter a year earlier "
        f"({year_earlier.label}); n/a means nobody was counted then, so there is no percentage.",
        "",
        *_table(
            [
                "Figure",
                f"This quarter ({quarter.label})",
                f"A year earlier ({year_earlier.label})",
                "Change",
                f"Fiscal year to date ({quarter.fiscal_year})",
                "Cumulative since 2009",
            ],
            rows,
            "lrrrrr",
        ),
        "",
    ]


def _community_table(w: _Warehouse, quarter: Period, registry) -> list[str]:
    rows, sums = [], {m: [0, 0, 0] for m in MEASURES}
    for code, name, *_ in w.communities:
        figures = w.community.get(code, {})
        tracks_jobs = _tracks_jobs([b for b in w.workbooks if b.community_code == code], quarter)
        row = [code, _text(name)]
        for m in MEASURES:
            f = figures.get(m, _Figures(0, 0, 0, 0))
            cells = [
                words("not_tracked") if _not_tracked(m, v, tracks_jobs) else f"{v:,}"
                for v in (f.this_quarter, f.fytd, f.cumulative)
            ]
            row.append(cells[0] if set(cells) == {words("not_tracked")} else " / ".join(cells))
            for i, v in enumerate((f.this_quarter, f.fytd, f.cumulative)):
                sums[m][i] += v
        rows.append(row)
    rows.append(
        ["", "Sum of the communities"] + [f"{a:,} / {b:,} / {c:,}" for a, b, c in sums.values()]
    )
    national = [w.national[m] for m in MEASURES]
    rows.append(
        ["", "**National (each person once)**"]
        + [f"**{f.this_quarter:,} / {f.fytd:,} / {f.cumulative:,}**" for f in national]
    )
    return [
        "## Communities",
        "",
        f"Each cell reads: this quarter / fiscal year {quarter.fiscal_year} to date / "
        "cumulative since 2009. In a community's row each person counts once in that community. "
        'A community whose latest workbook says it does not track jobs reads "not tracked" where it '
        "reported no jobs.",
        "",
        "The communities add up to more than the national figure when some people took part in "
        "several communities (a Connector who moved, or who helps two programs): each community "
        "counts them, the nation counts them once. This happens most for Connectors.",
        "",
        *_table(["Code", "Community", *(words(f"measure.{m}") for m in MEASURES)], rows, "llrrr"),
        "",
    ]


def _revised(w: _Warehouse, quarter: Period, registry) -> list[str]:
    """The section "Revised since publication", once any quarter has been published; else nothing.

    Every published figure the roll-up gives differently (the ``revisions``
    view: the latest publication of each quarter up to this one), published
    and current side by side, and why.
    """
    if not w.publications:
        return []
    standing: dict[str, dt.datetime] = {}
    for period, published_at in w.publications:
        standing[period] = published_at  # the latest publication of each quarter stands
    compared = {p: at for p, at in standing.items() if p <= quarter.label}
    later = sorted(p for p in standing if p > quarter.label)
    listed = ", ".join(
        f"{p} (published {_day(at.date())} at {at:%H:%M} UTC)" for p, at in sorted(compared.items())
    )
    out = [
        "## Revised since publication",
        "",
        "A figure once published can move: a workbook sent late or replaced, a record withdrawn "
        "(a withdrawal leaves every period's figures, earlier ones included) or a Connector "
        "decision restates earlier quarters. Each quarter's latest publication is compared with "
        "what this roll-up gives for the same quarter, its fiscal year to date and cumulative "
        "since 2009 through it, nationally and for each community. The warehouse's `revisions` "
        "view holds the same rows, a national figure's reasons spelled out.",
        "",
        f"- Published quarters compared: {listed or 'none up to this quarter'}.",
    ]
    if later:
        out.append(
            f"- Published quarters after {quarter.label}, which this roll-up does not reach: "
            f"{', '.join(later)}."
        )
    out.append("")
    if not w.revisions:
        return out + ["No published figure has changed.", ""]

    def scope(code: str) -> str:
        return "National" if code == "national" else _name(code, registry)

    def period_of(figure_period: str, published: str) -> str:
        if figure_period == "cumulative":
            return "Cumulative since 2009"
        if figure_period == published:
            return f"Quarter {figure_period}"
        return f"Fiscal year {figure_period} to date"

    moved_in: dict[tuple[str, str, str], list[str]] = {}
    for period, code, figure_period, figure, *_ in w.revisions:
        if code != "national":
            moved_in.setdefault((period, figure_period, figure), []).append(code)

    def why(code: str, period: str, figure_period: str, figure: str, reasons: str) -> str:
        """The view's reasons; a national figure that moved in communities too points to their rows."""
        communities = moved_in.get((period, figure_period, figure))
        if code != "national" or not communities:
            return _text(reasons)
        decisions = [part for part in reasons.split("; ") if "Connector decision" in part]
        return _text("; ".join([f"as in the rows of {', '.join(communities)} below", *decisions]))

    rows = [
        [
            period,
            scope(code),
            period_of(figure_period, period),
            words(f"measure.{figure}"),
            _n(published),
            _n(current),
            f"{'+' if change > 0 else '-'}{abs(change):,}",
            why(code, period, figure_period, figure, reasons),
        ]
        for period, code, figure_period, figure, published, current, change, reasons in w.revisions
    ]
    moved = sorted({r[0] for r in w.revisions})
    return out + [
        f"{_plural(len(rows), 'published figure has', 'published figures have')} changed, in "
        f"{_plural(len(moved), 'quarter', 'quarters')} ({', '.join(moved)}):",
        "",
        *_table(
            ["Published quarter", "Scope", "Period", "Figure", "Published", "Now", "Change", "Why"],
            rows,
            "llllrrrl",
        ),
        "",
    ]


def _coverage(w: _Warehouse, quarter: Period, registry) -> list[str]:
    active = [c for c in w.communities if c[2]]
    submitted = [c[0] for c in active if c[3]]
    missing = [c[0] for c in active if not c[3]]
    tracking = [c[0] for c in active if c[3] and c[4]]
    not_tracking = [c[0] for c in active if c[3] and not c[4]]
    not_joined = [c for c in w.communities if not c[2]]
    unused = {
        code: _unused_this_quarter([b for b in w.workbooks if b.community_code == code], quarter)
        for code, *_ in active
    }

    def rejected_lines(codes: list[str]) -> list[str]:
        return [
            f"  - {_name(code, registry)}: {b.label('en')} was rejected. {_text(b.reason or 'No reason given.')}"
            for code in codes
            for b in unused[code]
        ]

    out = [
        "## Who reported this quarter",
        "",
        "Every community that has joined the program is expected to send one workbook per "
        "quarter. A community that did not send one, or whose workbook could not be used, adds "
        "nothing new for the quarter; what it sent for earlier quarters still counts. A rejected "
        "workbook whose quarter could not be read is listed too: it may be this quarter's.",
        "",
        f"- **Submitted ({len(submitted)} of {len(active)})**: {_names(submitted, registry)}.",
        f"- **Missing ({len(missing)})**: {_names(missing, registry)}.",
        *rejected_lines(missing),
    ]
    also = [code for code in submitted if unused[code]]
    if also:
        out += [
            f"- **Rejected besides the workbook used ({sum(len(unused[c]) for c in also)})**:",
            *rejected_lines(also),
        ]
    out += [
        f"- **Tracking jobs ({len(tracking)})**: {_names(tracking, registry)}.",
        f"- **Submitted but not tracking jobs ({len(not_tracking)})**: "
        f"{_names(not_tracking, registry)}.",
    ]
    if not_joined:
        out.append(
            "- **Not yet in the program**: "
            + ", ".join(
                f"{_text(name)} ({code}, joins {joined})"
                for code, name, _, _, _, joined in not_joined
            )
            + "."
        )
    out += [
        "",
        "What this means for the jobs figure: " + _jobs_coverage(len(tracking)),
        "",
    ]
    return out


def _by_code(counts: dict[str, int], code_meanings: Mapping[str, str]) -> list[list[object]]:
    """Rows (code, plain meaning, count), the most frequent first."""

    def meaning(code: str) -> str:
        return code_meanings.get(code) or (
            messages.code_meaning(code) if code in messages.CODE_MEANINGS else _humanise(code)
        )

    return [
        [code, meaning(code), _n(n)]
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _jobs_coverage(tracking: int) -> str:
    if tracking == 0:
        who = "no community that submitted tracks jobs, so no new jobs were reported this quarter."
    elif tracking == 1:
        who = "only the one community that tracks jobs reported the jobs its Connectees found."
    else:
        who = (
            f"only the {tracking} communities that track jobs reported the jobs their "
            "Connectees found."
        )
    return (
        who + " Communities that do not track jobs, or did not submit, report none, so the "
        "national jobs figure is a floor: more people found work in their field than it shows."
    )


def _data_quality(w: _Warehouse, code_meanings: Mapping[str, str], registry) -> list[str]:
    q = w.quality

    def group(prefix: str) -> dict[str, int]:
        return {k[len(prefix) + 1 :]: v for k, v in sorted(q.items()) if k.startswith(prefix + ".")}

    rejected_by_code = group("rows_rejected_by_code")
    rows_read = q.get("rows_read", 0)
    rows_rejected = q.get("rows_rejected", sum(rejected_by_code.values()))
    withdrawn = group("withdrawn")
    out = [
        "## Data quality",
        "",
        "How much of what the communities sent could be used, and why some could not. A row with "
        "an error is left out and the rest of its workbook is used; each community's page lists "
        "its problems and how to fix them.",
        "",
        f"- Rows read: {rows_read:,}.",
        f"- Rows rejected: {rows_rejected:,}"
        + (f" ({_percent(rows_rejected, rows_read)} of the rows read)." if rows_read else "."),
        "",
    ]
    if rejected_by_code:
        out += [
            "Errors that left rows out, by kind (a row with several errors counts under each):",
            "",
            *_table(
                ["Code", "What it means", "Errors"],
                _by_code(rejected_by_code, code_meanings),
                "llr",
            ),
            "",
        ]
    if "workbooks_found" in q:
        out += [
            f"- Workbooks found: {q['workbooks_found']:,}: {q.get('workbooks_accepted', 0):,} "
            f"used, {q.get('workbooks_superseded', 0):,} replaced by a later workbook for the "
            f"same quarter, {q.get('workbooks_rejected', 0):,} rejected.",
            "",
        ]
    rejected_files = group("workbooks_rejected_by_code")
    if rejected_files:
        out += [
            "Workbooks rejected as a whole, by reason:",
            "",
            *_table(
                ["Code", "What it means", "Workbooks"],
                _by_code(rejected_files, code_meanings),
                "llr",
            ),
            "",
        ]
    out += [
        "### Withdrawals",
        "",
        "A record a community marks as withdrawn leaves every count, past quarters included.",
        "",
        f"- Withdrawn: {withdrawn.get('connectees', 0):,} Connectee records, "
        f"{withdrawn.get('connectors', 0):,} Connector records, "
        f"{withdrawn.get('jobs', 0):,} job records.",
        "",
        "### Connectors found in several records",
        "",
        "The same Connector can appear under several IDs or in several communities. Records are "
        "joined into one person when they share an ID, an email and last name, a full name and "
        "phone, or a full name and organization.",
        "",
        f"- Connector records: {q.get('connector_records', 0):,}; the people they belong to: "
        f"{q.get('connector_persons', 0):,}; records merged into another record of the same "
        f"person: {q.get('merged_records', 0):,}.",
        f"- The review list holds {_plural(w.review_size, 'pair', 'pairs')} of records "
        f"({w.review_pending:,} still to decide): records that look alike but that the rules do "
        "not join on their own. The secretariat decides each pair; a decision is applied by every "
        "later roll-up. The secretariat reads the pairs, with names and contacts, in "
        "`connector-review.csv` beside the warehouse (readable by its owner only) and writes its "
        "decisions in `connector-decisions.csv`; analysts see the same pairs by record key in the "
        "warehouse's `review_list` view.",
        "",
        "### Jobs that do not count",
        "",
        "Each job record is checked against the rules in order; one that does not count is "
        "listed under the first reason that applies.",
        "",
    ]
    outcomes = dict(w.jobs_by_outcome)
    rows = [
        [
            "Counts (qualifying)",
            "in the Connectee's field, at the level of their experience",
            _n(outcomes.get(None, 0)),
        ]
    ]
    rows += [
        [reason, messages.job_reason(reason)[1], _n(outcomes.get(reason, 0))]
        for reason in JOB_REASONS
    ]
    rows += [
        [r, _humanise(r), _n(n)]
        for r, n in sorted(outcomes.items(), key=lambda kv: str(kv[0]))
        if r is not None and r not in JOB_REASONS
    ]
    out += [*_table(["Outcome", "What it means", "Job records"], rows, "llr"), ""]
    # Attributed: a registered community was read from it (the flow takes it from the Submission
    # sheet even when the workbook is rejected later). The rest have no page to be listed on.
    unattributed = [b for b in w.workbooks if b.community_code not in registry]
    if unattributed:
        out += [
            "### Workbooks that name no registered community",
            "",
            "These files were rejected before a registered community could be read from them (their "
            "Submission sheet could not be read, or names a code the registry does not hold), so no "
            "community page lists them.",
            "",
            *[f"- {b.label('en')}: {_text(b.reason or 'No reason given.')}" for b in unattributed],
            "",
        ]
    return out


# --- community reports ----------------------------------------------------------------


def _community(w: _Warehouse, quarter: Period, community: Community, feedback: str | None) -> str:
    """A community's page, all of it in the community's language."""
    code = community.code
    books = [b for b in w.workbooks if b.community_code == code]
    lang = _language(community, books, quarter)

    def t(key: str, **params: object) -> str:
        return words(key, lang, **params)

    name, period = _text(community.name), quarter.label
    out = [
        f"# {t('page.title', name=name, code=code, period=period)}",
        "",
        t(
            "page.intro",
            name=name,
            period=period,
            first=_day(quarter.first_day, lang),
            last=_day(quarter.last_day, lang),
        ),
        "",
        *_status(books, quarter, community, lang),
        "## " + t("figures.heading"),
        "",
        t("figures.intro", name=name),
        "",
    ]
    tracks_jobs = _tracks_jobs(books, quarter)
    figures = w.community.get(code, {})
    rows = []
    for m in MEASURES:
        f, n = figures.get(m, _Figures(0, 0, 0, 0)), w.national[m]
        rows.append(
            [t(f"measure.{m}")]
            + [
                t("not_tracked")
                if _not_tracked(m, mine, tracks_jobs)
                else _share(mine, whole, lang)
                for mine, whole in (
                    (f.this_quarter, n.this_quarter),
                    (f.fytd, n.fytd),
                    (f.cumulative, n.cumulative),
                )
            ]
        )
    out += _table(
        [
            t("col.figure"),
            t("col.this_quarter", period=period),
            t("col.fytd", fiscal_year=quarter.fiscal_year),
            t("col.cumulative"),
        ],
        rows,
        "lrrr",
    )
    out += [""]
    if tracks_jobs is False:
        out += [t("figures.not_tracked"), ""]
    out += [
        "## " + t("workbooks.heading"),
        "",
        " ".join(
            [t("workbooks.intro")]
            + [t("legend", status=t(f"status.{s}"), meaning=t(f"meaning.{s}")) for s in STATUSES]
        ),
        "",
    ]
    if books:
        out += _table(
            [
                t(f"col.{c}")
                for c in (
                    "quarter",
                    "file",
                    "submitted_on",
                    "status",
                    "rows_read",
                    "rows_rejected",
                    "reason",
                )
            ],
            [
                [
                    b.period or t("quarter_unreadable"),
                    _text(b.name),
                    _day(b.submitted_on, lang) if b.submitted_on else None,
                    t(f"status.{b.status}"),
                    _n(b.rows_read, lang),
                    _n(b.rows_rejected, lang),
                    _why(b, books, lang),
                ]
                for b in books
            ],
            "llllrrl",
        )
        out += [""]
    else:
        out += [t("workbooks.none"), ""]
    out += ["## " + t("problems.heading"), ""]
    out += _problems(w, books, feedback, code, lang)
    return "\n".join(out)


def _status(books: list[_Workbook], quarter: Period, community: Community, lang: str) -> list[str]:
    """The page's opening lines: what became of the quarter's workbook, and of any rejected one."""
    period = quarter.label
    used = [b for b in books if b.period == period and b.status == "accepted"]
    unused = _unused_this_quarter(books, quarter)
    out = []
    if used:
        out.append(words("page.used", lang, file=used[0].label(lang)))
        if used[0].rows_rejected:
            out[-1] += " " + words("page.rows_left_out", lang, n=_n(used[0].rows_rejected, lang))
    elif community.joined_on > quarter.last_day:
        out.append(words("page.joins", lang, date=_day(community.joined_on, lang)))
    elif not unused:
        out.append(words("page.none", lang, period=period))
    elif all(b.period is None for b in unused):
        out.append(words("page.none_usable", lang, period=period))
    for b in unused:  # the label says when the quarter could not be read
        out.append(
            words("page.rejected", lang, file=b.label(lang), reason=_text(b.reason or "")).rstrip()
        )
    return [line for text in out for line in (text, "")]


def _problems(
    w: _Warehouse, books: list[_Workbook], feedback: str | None, code: str, lang: str
) -> list[str]:
    """The problems section: the pages file's feedback, else the warehouse's issues, never "none" above rejected rows."""
    replaced = [b for b in books if b.status == "superseded" and b.rows_rejected]
    note = [words("problems.replaced_not_listed", lang), ""] if replaced else []
    if feedback is not None:
        return [feedback.strip(), "", *note]
    issues = [i for i in w.issues if i.community_code == code]
    if not issues:
        if any(
            b.status == "rejected" or b.rows_rejected for b in books if b.status != "superseded"
        ):
            return note  # no pages file's feedback; the workbooks table says what failed
        return [words("problems.only_replaced" if replaced else "problems.none", lang), ""]
    out = [words("problems.intro", lang), ""]
    workbooks: dict[tuple[str, str | None], list[_Issue]] = {}
    for issue in issues:
        workbooks.setdefault((issue.workbook, issue.period), []).append(issue)
    for (name, period), found in workbooks.items():
        out += [f"### {_text(name)} ({period or words('quarter_unreadable', lang)})", ""]
        sheets: dict[str | None, list[_Issue]] = {}
        for issue in found:
            sheets.setdefault(issue.sheet, []).append(issue)
        for sheet, sheet_issues in sheets.items():
            out += [f"#### {_text(sheet) if sheet else words('problems.whole_file', lang)}", ""]
            out += _table(
                [words(f"col.{c}", lang) for c in ("cell", "severity", "code", "problem")],
                [
                    [
                        _text(i.cell)
                        if i.cell
                        else (
                            words("problems.row", lang, row=i.row) if i.row is not None else None
                        ),
                        words(f"severity.{i.severity}", lang),
                        i.code,
                        _text(i.message),
                    ]
                    for i in sheet_issues
                ],
            )
            out.append("")
    return out + note


# --- charts -------------------------------------------------------------------------


def _save(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)
    figure.savefig(path, format="png", dpi=100, metadata={"Software": None})


def time_axis(quarterly: Sequence[tuple]) -> tuple[list[int], list[str], list[int]]:
    """Where the quarters chart marks time: (labelled ticks, their labels, a tick per quarter).

    ``quarterly`` rows start with period, fiscal year and quarter number.
    Every quarter gets a tick; up to 12 quarters each is labelled, beyond that
    each fiscal year at its Q1. The first and the current (last) quarter are
    always labelled in full; a fiscal-year label closer than 3 quarters to
    either is left out so the labels do not overlap.
    """
    every = list(range(len(quarterly)))
    if len(quarterly) <= 12:
        return every, [r[0] for r in quarterly], every
    first, last = 0, len(quarterly) - 1
    years = [i for i, r in enumerate(quarterly) if r[2] == 1 and i - first >= 3 and last - i >= 3]
    ticks = [first, *years, last]
    labels = [quarterly[first][0], *(quarterly[i][1] for i in years), quarterly[last][0]]
    return ticks, labels, every


def _figures_chart(w: _Warehouse, path: Path) -> None:
    figure = Figure(figsize=(9, 4.5))
    ax = figure.add_subplot()
    x = list(range(len(w.quarterly)))
    for i, m in enumerate(MEASURES):
        ax.plot(
            x,
            [r[3 + i] for r in w.quarterly],
            marker="o" if len(x) <= 12 else None,
            markersize=3,
            label=words(f"measure.{m}"),
        )
    ticks, labels, every = time_axis(w.quarterly)
    ax.set_xticks(every, minor=True)
    ax.set_xticks(ticks, labels, rotation=45, ha="right", fontsize=8)
    ax.get_xticklabels()[-1].set_fontweight("bold")  # the roll-up's own quarter
    ax.tick_params(axis="x", which="minor", length=3)
    ax.tick_params(axis="x", which="major", length=6)
    ax.set_xlabel("Quarter (a tick per quarter; fiscal years start in April)", fontsize=8)
    ax.set_ylabel("People counted nationally")
    ax.set_title("People counted nationally, by quarter")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    ax.grid(axis="x", which="major", alpha=0.15)
    ax.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    _save(figure, path)


def _jobs_chart(w: _Warehouse, path: Path) -> None:
    outcomes = dict(w.jobs_by_outcome)
    labels = ["Counts (qualifying)"] + [messages.job_reason(r)[0] for r in JOB_REASONS]
    values = [outcomes.get(None, 0)] + [outcomes.get(r, 0) for r in JOB_REASONS]
    figure = Figure(figsize=(9, 4.5))
    ax = figure.add_subplot()
    y = list(range(len(labels)))[::-1]
    ax.barh(y, values, color=["tab:green"] + ["tab:gray"] * (len(labels) - 1))
    ax.set_yticks(y, labels, fontsize=8)
    for yi, v in zip(y, values):
        ax.annotate(
            f"{v:,}", (v, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8
        )
    ax.set_xlabel("Job records")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Job records by outcome (all quarters)")
    if not any(values):
        ax.set_xlim(0, 1)
        ax.text(0.5, 0.5, "No job records yet", transform=ax.transAxes, ha="center")
    ax.margins(x=0.1)
    figure.tight_layout()
    _save(figure, path)


# --- writing ---------------------------------------------------------------------------


def write_reports(
    warehouse_path: str | os.PathLike[str],
    reports_dir: str | os.PathLike[str],
    *,
    quarter: Period | None = None,
    registry: Mapping[str, Community] | None = None,
    code_meanings: Mapping[str, str] | None = None,
) -> Path:
    """Write ``REPORTS/<period>/national.md``, its charts and a page per community, as one swap.

    Returns the path of ``national.md``. The reports are a function of the
    warehouse at ``warehouse_path`` and its pages file
    (``warehouse.pages_path``), both written by the warehouse build: no
    workbook is read, so they can be rebuilt at any time. ``quarter`` defaults
    to the warehouse's roll-up quarter, and must be it when given;
    ``registry`` defaults to the registry the warehouse was built with.
    Without a pages file, workbooks are named by their content labels and
    problems are listed as the warehouse words them (values masked or keyed).
    Same files, same bytes.

    The pages are written into a temporary sibling folder (``stage_reports``)
    that then replaces ``REPORTS/<period>/`` whole (``swap_reports``): a
    reader, or a run stopped midway, sees all the previous pages or all the
    new ones, never a mix. The roll-up stages and swaps itself, together with
    the warehouse (``publish.publish``).
    """
    if quarter is None:
        quarter = warehouse_quarter(warehouse_path)
    final = reports_folder(reports_dir, quarter)
    staged = stage_reports(
        warehouse_path, final, quarter=quarter, registry=registry, code_meanings=code_meanings
    )
    previous = sibling(final, "prev")
    try:
        swap_reports(staged, final, previous)
    except BaseException:
        unswap_reports(staged, final, previous)
        raise
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    shutil.rmtree(previous, ignore_errors=True)
    return final / "national.md"


def warehouse_quarter(warehouse_path: str | os.PathLike[str]) -> Period:
    """The roll-up quarter the warehouse at ``warehouse_path`` holds."""
    if not Path(warehouse_path).is_file():
        raise FileNotFoundError(f"There is no warehouse at {warehouse_path}.")
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        return Period.parse(con.execute("select quarter from run_info").fetchone()[0])


def reports_folder(reports_dir: str | os.PathLike[str], quarter: Period) -> Path:
    """Where the quarter's reports are published: ``REPORTS/<period>/``."""
    return Path(reports_dir) / quarter.label


def sibling(final: Path, kind: str) -> Path:
    """A temporary folder beside ``final``: ``.<name>.<pid>.<hex>.<kind>`` (kind ``new`` or ``prev``).

    Hidden, and named with the process id so that a later run can tell a
    killed run's leftover from a live run's (``publish.clean_leftovers``).
    """
    return final.with_name(f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.{kind}")


def stage_reports(warehouse_path: str | os.PathLike[str], final: Path, **options) -> Path:
    """Write the reports that belong at ``final`` into a new temporary sibling folder; return it.

    Takes ``write_reports``'s keyword arguments. ``final`` is not touched.
    On any failure (a full disk, a signal) the temporary folder is removed,
    so no half-written page or 0-byte chart is ever left to be published.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    staged = sibling(final, "new")
    staged.mkdir()
    try:
        render_reports(warehouse_path, staged, **options)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def swap_reports(staged: Path, final: Path, previous: Path) -> None:
    """Put ``staged`` at ``final``, moving any folder there to ``previous`` first (two renames).

    On failure call ``unswap_reports`` with the same folders: it puts the
    previous folder back. Delete ``previous`` only once the swap is kept.
    """
    if final.exists():
        os.rename(final, previous)
    os.rename(staged, final)


def unswap_reports(staged: Path, final: Path, previous: Path) -> None:
    """Undo ``swap_reports``, wherever it stopped: ``final`` is the previous folder again (or absent).

    Safe to call more than once, and after a crash (``publish.recover``).
    """
    if not staged.exists() and final.exists():
        os.rename(
            final, staged
        )  # the new folder went in (only a swap consumes staged): take it out
    if previous.exists():
        os.rename(previous, final)
    shutil.rmtree(staged, ignore_errors=True)


def render_reports(
    warehouse_path: str | os.PathLike[str],
    folder: str | os.PathLike[str],
    *,
    quarter: Period | None = None,
    registry: Mapping[str, Community] | None = None,
    code_meanings: Mapping[str, str] | None = None,
) -> Path:
    """Write the quarter's pages and charts straight into ``folder``; return its ``national.md``.

    No swap: see ``write_reports`` for the arguments and for publishing.
    """
    w = _read(warehouse_path, quarter, registry)
    folder = Path(folder)
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    (folder / "communities").mkdir(parents=True, exist_ok=True)
    _figures_chart(w, folder / "charts" / CHARTS[0])
    _jobs_chart(w, folder / "charts" / CHARTS[1])
    for code in sorted(w.registry):
        text = _community(w, w.quarter, w.registry[code], w.feedback.get(code))
        _write_text(folder / "communities" / f"{code}.md", text)
    national = folder / "national.md"
    _write_text(national, _national(w, w.quarter, w.registry, code_meanings or {}))
    return national


def _write_text(path: Path, text: str) -> None:
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8", newline="\n")
