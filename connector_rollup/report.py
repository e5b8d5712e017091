"""The quarter's reports from the warehouse: national Markdown, a page per community, charts.

Everything here reads the warehouse (read only) and writes files; no figure
is computed twice. Same warehouse, same bytes: no timestamps, fixed ordering,
PNGs saved without software metadata.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from connector_rollup import messages
from connector_rollup.periods import Period
from connector_rollup.registry import Community

MEASURES = ("connectees", "connectors", "jobs")
MEASURE_LABELS = {
    "connectees": "Connectees onboarded",
    "connectors": "Connectors",
    "jobs": "Connectees in qualifying jobs",
}
# counting-rules.md, Jobs: the reasons in the order they are tried (worded in messages.py).
JOB_REASONS = {code: english[1] for code, (english, _) in messages.JOB_REASONS.items()}
JOB_REASON_LABELS = {code: english[0] for code, (english, _) in messages.JOB_REASONS.items()}
# Plain meanings of validation codes (messages.py); ``code_meanings`` adds to or overrides these.
ISSUE_MEANINGS = {code: english for code, (english, _) in messages.CODE_MEANINGS.items()}
STATUS_MEANINGS = {
    "accepted": "used for the roll-up",
    "superseded": "replaced by a later workbook for the same quarter; not used",
    "rejected": "could not be used at all (a file error); nothing in it was counted",
}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
CHARTS = ("figures_by_quarter.png", "jobs_by_outcome.png")


# --- reading the warehouse ----------------------------------------------------


@dataclass(frozen=True)
class _Figures:
    this_quarter: int
    year_earlier: int
    fytd: int
    cumulative: int


# Reports name a workbook by its content, never by its file name, so that the same
# workbooks give the same report bytes whatever they are called; the warehouse's
# `submissions` view maps the label back to the file name.
WORKBOOK_LABEL = "'workbook ' || left(sha256, 8) as file_name"


@dataclass(frozen=True)
class _Warehouse:
    """Everything the reports need, read once from the warehouse."""

    demo_key: bool
    national: dict[str, _Figures]
    community: dict[str, dict[str, _Figures]]
    quarterly: list[tuple]  # national_quarterly rows
    communities: list[tuple]  # code, name, active, submitted, tracks_jobs, joined_on
    submissions: list[tuple]  # community_code, period, file_name, submitted_on, status,
    #                           rows_read, rows_rejected, reason
    issues: list[tuple]  # file_name, community_code, period, sheet, row, cell, severity, code,
    #                      message
    quality: dict[str, int]
    jobs_by_outcome: list[tuple]  # (reason or None, jobs)
    review_size: int
    review_pending: int


def _read(warehouse_path: str | os.PathLike[str], quarter: Period) -> _Warehouse:
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        (built_for, demo_key), = con.execute("select quarter, demo_key from run_info").fetchall()
        if built_for != quarter.label:
            raise ValueError(
                f"The warehouse {warehouse_path} holds the roll-up of {built_for}, "
                f"not of {quarter.label}: run the roll-up for {quarter.label} first."
            )
        national: dict[str, _Figures] = {}
        community: dict[str, dict[str, _Figures]] = {}
        for level, code, measure, *figures in con.execute(
            "select level, community_code, measure, this_quarter, year_earlier_quarter, "
            "fiscal_year_to_date, cumulative from rollup_figures"
        ).fetchall():
            target = national if level == "national" else community.setdefault(code, {})
            target[measure] = _Figures(*(int(f or 0) for f in figures))
        return _Warehouse(
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
            submissions=con.execute(
                f"select community_code, period, {WORKBOOK_LABEL}, submitted_on, status, rows_read, "
                "rows_rejected, reason from submissions "
                "order by community_code nulls last, period desc nulls last, "
                "submitted_on desc nulls last, file_name"
            ).fetchall(),
            issues=con.execute(
                f"select {WORKBOOK_LABEL}, community_code, period, sheet, \"row\", cell, severity, code, "
                "message from validation_issues join (select distinct file_name, sha256 from submissions) "
                "using (file_name) "
                'order by period desc nulls last, file_name, sheet nulls first, "row" nulls first, '
                "cell, code, message"
            ).fetchall(),
            quality=dict(con.execute("select metric, value from data_quality").fetchall()),
            jobs_by_outcome=con.execute(
                "select reason, count(*) from job_outcomes group by reason"
            ).fetchall(),
            review_size=con.execute("select count(*) from review_list").fetchone()[0],
            review_pending=con.execute(
                "select count(*) from review_list where decided is null"
            ).fetchone()[0],
        )


def headline_figures(warehouse_path: str | os.PathLike[str], quarter: Period) -> dict[str, int]:
    """The quarter's national figures: ``{"connectees": n, "connectors": n, "jobs": n}``."""
    national = _read(warehouse_path, quarter).national
    return {m: national[m].this_quarter for m in MEASURES}


# --- formatting -----------------------------------------------------------------


def _day(day: dt.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _n(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _change(now: int, before: int) -> str:
    diff = now - before
    sign = "+" if diff > 0 else ("-" if diff < 0 else "")
    if before == 0:
        return f"{sign}{abs(diff):,} (n/a)"
    return f"{sign}{abs(diff):,} ({sign}{_percent(abs(diff), before)})"


def _percent(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole`` to one decimal; a share too small to show is "under 0.1%", never "0.0%"."""
    share = part / whole * 100
    if 0 < share < 0.05:
        return "under 0.1%"
    return f"{share:.1f}%"


def _share(part: int, whole: int) -> str:
    if whole == 0:
        return f"{part:,} (national: 0)"
    return f"{part:,} ({_percent(part, whole)} of {whole:,})"


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    if text is None:
        return "—"
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _table(header: list[str], rows: list[list[object]], align: str = "") -> list[str]:
    """A Markdown table; ``align`` has one letter per column, r for numbers."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _names(codes: list[str], registry: Mapping[str, Community]) -> str:
    if not codes:
        return "none"
    return ", ".join(f"{registry[c].name if c in registry else c} ({c})" for c in codes)


def _clause(text: str | None) -> str:
    """A reason to embed in a sentence: no trailing full stop."""
    return (text or "").strip().rstrip(".")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _humanise(code: str) -> str:
    return code.replace("_", " ").strip().capitalize()


# --- national report ----------------------------------------------------------------


def national_summary_markdown(
    warehouse_path: str | os.PathLike[str],
    *,
    quarter: Period,
    registry: Mapping[str, Community],
    code_meanings: Mapping[str, str] | None = None,
) -> str:
    """The national report for ``quarter`` as Markdown, read from the warehouse.

    ``code_meanings`` gives the plain meaning of validation codes
    (``{code: meaning}``); a code without one is shown as itself.
    """
    return _national(_read(warehouse_path, quarter), quarter, registry, code_meanings or {})


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
    out += _coverage(w, quarter, registry)
    out += _data_quality(w, code_meanings)
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
        rows.append([MEASURE_LABELS[m], _n(f.this_quarter), _n(f.year_earlier),
                     _change(f.this_quarter, f.year_earlier), _n(f.fytd), _n(f.cumulative)])
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
            ["Figure", f"This quarter ({quarter.label})", f"A year earlier ({year_earlier.label})",
             "Change", f"Fiscal year to date ({quarter.fiscal_year})", "Cumulative since 2009"],
            rows,
            "lrrrrr",
        ),
        "",
    ]


def _community_table(w: _Warehouse, quarter: Period, registry) -> list[str]:
    def triple(f: _Figures) -> str:
        return f"{f.this_quarter:,} / {f.fytd:,} / {f.cumulative:,}"

    rows, sums = [], {m: [0, 0, 0] for m in MEASURES}
    for code, name, *_ in w.communities:
        figures = w.community.get(code, {})
        row = [code, name]
        for m in MEASURES:
            f = figures.get(m, _Figures(0, 0, 0, 0))
            row.append(triple(f))
            for i, v in enumerate((f.this_quarter, f.fytd, f.cumulative)):
                sums[m][i] += v
        rows.append(row)
    rows.append(["", "Sum of the communities"]
                + [f"{a:,} / {b:,} / {c:,}" for a, b, c in sums.values()])
    rows.append(["", "**National (each person once)**"]
                + [f"**{triple(w.national[m])}**" for m in MEASURES])
    return [
        "## Communities",
        "",
        f"Each cell reads: this quarter / fiscal year {quarter.fiscal_year} to date / "
        "cumulative since 2009. In a community's row each person counts once in that community.",
        "",
        "The communities add up to more than the national figure when some people took part in "
        "several communities (a Connector who moved, or who helps two programs): each community "
        "counts them, the nation counts them once. This happens most for Connectors.",
        "",
        *_table(["Code", "Community", *(MEASURE_LABELS[m] for m in MEASURES)], rows, "llrrr"),
        "",
    ]


def _coverage(w: _Warehouse, quarter: Period, registry) -> list[str]:
    active = [c for c in w.communities if c[2]]
    submitted = [c[0] for c in active if c[3]]
    missing = [c[0] for c in active if not c[3]]
    tracking = [c[0] for c in active if c[3] and c[4]]
    not_tracking = [c[0] for c in active if c[3] and not c[4]]
    not_joined = [c for c in w.communities if not c[2]]
    unused = {}
    for code, period, file_name, _, status, _, _, reason in w.submissions:
        if code in missing and period == quarter.label and status == "rejected":
            why = _clause(reason) or "no reason given"
            unused.setdefault(code, f"{file_name} was rejected: {why}")
    out = [
        "## Who reported this quarter",
        "",
        "Every community that has joined the program is expected to send one workbook per "
        "quarter. A community that did not send one, or whose workbook could not be used, adds "
        "nothing new for the quarter; what it sent for earlier quarters still counts.",
        "",
        f"- **Submitted ({len(submitted)} of {len(active)})**: {_names(submitted, registry)}.",
        f"- **Missing ({len(missing)})**: {_names(missing, registry)}.",
    ]
    for code in missing:
        if code in unused:
            out.append(f"  - {code}: a workbook came but could not be used ({unused[code]}).")
    out += [
        f"- **Tracking jobs ({len(tracking)})**: {_names(tracking, registry)}.",
        f"- **Submitted but not tracking jobs ({len(not_tracking)})**: "
        f"{_names(not_tracking, registry)}.",
    ]
    if not_joined:
        out.append(
            "- **Not yet in the program**: "
            + ", ".join(f"{name} ({code}, joins {joined})"
                        for code, name, _, _, _, joined in not_joined) + "."
        )
    out += [
        "",
        "What this means for the jobs figure: " + _jobs_coverage(len(tracking)),
        "",
    ]
    return out


def _by_code(counts: dict[str, int], code_meanings: Mapping[str, str]) -> list[list[object]]:
    """Rows (code, plain meaning, count), the most frequent first."""
    meanings = {**ISSUE_MEANINGS, **code_meanings}
    return [[code, meanings.get(code, _humanise(code)), _n(n)]
            for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _jobs_coverage(tracking: int) -> str:
    if tracking == 0:
        who = "no community that submitted tracks jobs, so no new jobs were reported this quarter."
    elif tracking == 1:
        who = "only the one community that tracks jobs reported the jobs its Connectees found."
    else:
        who = f"only the {tracking} communities that track jobs reported the jobs their " \
              "Connectees found."
    return (who + " Communities that do not track jobs, or did not submit, report none, so the "
            "national jobs figure is a floor: more people found work in their field than it shows.")


def _data_quality(w: _Warehouse, code_meanings: Mapping[str, str]) -> list[str]:
    q = w.quality

    def group(prefix: str) -> dict[str, int]:
        return {k[len(prefix) + 1:]: v for k, v in sorted(q.items()) if k.startswith(prefix + ".")}

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
            *_table(["Code", "What it means", "Errors"],
                    _by_code(rejected_by_code, code_meanings), "llr"),
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
            *_table(["Code", "What it means", "Workbooks"],
                    _by_code(rejected_files, code_meanings), "llr"),
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
        "later roll-up. The list is the `review_list` view of the warehouse "
        "(`select * from review_list`).",
        "",
        "### Jobs that do not count",
        "",
        "Each job record is checked against the rules in order; one that does not count is "
        "listed under the first reason that applies.",
        "",
    ]
    outcomes = dict(w.jobs_by_outcome)
    rows = [["Counts (qualifying)", "in the Connectee's field, at the level of their experience",
             _n(outcomes.get(None, 0))]]
    rows += [[reason, meaning, _n(outcomes.get(reason, 0))]
             for reason, meaning in JOB_REASONS.items()]
    rows += [[r, _humanise(r), _n(n)]
             for r, n in sorted(outcomes.items(), key=lambda kv: str(kv[0]))
             if r is not None and r not in JOB_REASONS]
    out += [*_table(["Outcome", "What it means", "Job records"], rows, "llr"), ""]
    unattributed = [(f, r) for code, _, f, _, _, _, _, r in w.submissions if code is None]
    if unattributed:
        out += [
            "### Workbooks that could not be attributed",
            "",
            "These files were rejected before their community could be read, so no community "
            "page lists them.",
            "",
            *[f"- `{f}`: {r or 'no reason given'}" for f, r in unattributed],
            "",
        ]
    return out


# --- community reports ----------------------------------------------------------------


def _community(w: _Warehouse, quarter: Period, community: Community,
               feedback: str | None) -> str:
    code = community.code
    figures = w.community.get(code, {})
    subs = [s for s in w.submissions if s[0] == code]
    this_quarter = [s for s in subs if s[1] == quarter.label]
    accepted = [s for s in this_quarter if s[4] == "accepted"]
    if accepted:
        status = f"Your workbook for {quarter.label} ({accepted[0][2]}) was received and used."
    elif this_quarter:
        status = (f"Your workbook for {quarter.label} could not be used: "
                  f"{_clause(this_quarter[0][7]) or 'see below'}.")
    elif community.joined_on > quarter.last_day:
        status = f"Your community joins the program on {_day(community.joined_on)}."
    else:
        status = f"No workbook for {quarter.label} was received."
    out = [
        f"# {community.name} ({code}): roll-up for {quarter.label}",
        "",
        f"This page is for the {community.name} Connector Program team and the national "
        f"secretariat. It shows what the national roll-up counted for {community.name}, what "
        "became of each workbook you sent, and any problems found in them with how to fix them. "
        f"Quarter {quarter.label} runs from {_day(quarter.first_day)} to "
        f"{_day(quarter.last_day)}.",
        "",
        status,
        "",
        "## Your figures",
        "",
        f"Each person counts once in {community.name}, at the first date they qualify here. In "
        "brackets: your share of the national figure, where each person counts once across all "
        "communities.",
        "",
    ]
    rows = []
    for m in MEASURES:
        f = figures.get(m, _Figures(0, 0, 0, 0))
        n = w.national[m]
        rows.append([MEASURE_LABELS[m], _share(f.this_quarter, n.this_quarter),
                     _share(f.fytd, n.fytd), _share(f.cumulative, n.cumulative)])
    out += [
        *_table(["Figure", f"This quarter ({quarter.label})",
                 f"Fiscal year to date ({quarter.fiscal_year})", "Cumulative since 2009"],
                rows, "lrrr"),
        "",
        "## Your workbooks",
        "",
        "Every workbook received from you, newest quarter first. "
        + " ".join(f"**{s}**: {meaning}." for s, meaning in STATUS_MEANINGS.items()),
        "",
    ]
    if subs:
        out += [
            *_table(
                ["Quarter", "File", "Submitted on", "Status", "Rows read", "Rows rejected",
                 "Reason"],
                [[s[1], s[2], s[3].isoformat() if s[3] else None, s[4], _n(s[5]), _n(s[6]), s[7]]
                 for s in subs],
                "llllrrl",
            ),
            "",
        ]
    else:
        out += ["No workbook has been received from you.", ""]
    out += ["## Problems found and how to fix them", ""]
    if feedback is not None:
        out += [feedback.strip(), ""]
        return "\n".join(out)
    issues = [i for i in w.issues if i[1] == code]
    if not issues:
        out += ["No problems were found in your workbooks.", ""]
        return "\n".join(out)
    out += [
        "Each problem names the sheet and the cell. An **error** left the row out of the count "
        "(or, for the whole file, the workbook); a **warning** did not, but is worth a look. Fix "
        "the cells in your own file and send it again for the same quarter: the newer workbook "
        "replaces the older one.",
        "",
    ]
    files: dict[tuple[str, str], list[tuple]] = {}
    for issue in issues:
        files.setdefault((issue[0], issue[2]), []).append(issue)
    for (file_name, period), file_issues in files.items():
        out += [f"### {file_name} ({period or 'quarter unreadable'})", ""]
        sheets: dict[str | None, list[tuple]] = {}
        for issue in file_issues:
            sheets.setdefault(issue[3], []).append(issue)
        for sheet, sheet_issues in sheets.items():
            out += [f"#### {sheet or 'The whole file'}", ""]
            out += _table(
                ["Cell", "Severity", "Code", "Problem"],
                [[i[5] or (f"row {i[4]}" if i[4] is not None else None), i[6], i[7], i[8]]
                 for i in sheet_issues],
            )
            out.append("")
    return "\n".join(out)


# --- charts -------------------------------------------------------------------------


def _save(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)
    figure.savefig(path, format="png", dpi=100, metadata={"Software": None})


def _figures_chart(w: _Warehouse, path: Path) -> None:
    figure = Figure(figsize=(9, 4.5))
    ax = figure.add_subplot()
    periods = [r[0] for r in w.quarterly]
    x = list(range(len(periods)))
    for i, m in enumerate(MEASURES):
        ax.plot(x, [r[3 + i] for r in w.quarterly], marker="o" if len(x) <= 12 else None,
                markersize=3, label=MEASURE_LABELS[m])
    if len(periods) <= 12:
        ticks = x
        labels = periods
    else:  # one tick per fiscal year, at its first quarter
        ticks = [i for i, r in enumerate(w.quarterly) if r[2] == 1] or x[:1]
        labels = [w.quarterly[i][1] for i in ticks]
    ax.set_xticks(ticks, labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("People counted nationally")
    ax.set_title("People counted nationally, by quarter")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    _save(figure, path)


def _jobs_chart(w: _Warehouse, path: Path) -> None:
    outcomes = dict(w.jobs_by_outcome)
    labels = ["Counts (qualifying)"] + [JOB_REASON_LABELS[r] for r in JOB_REASONS]
    values = [outcomes.get(None, 0)] + [outcomes.get(r, 0) for r in JOB_REASONS]
    figure = Figure(figsize=(9, 4.5))
    ax = figure.add_subplot()
    y = list(range(len(labels)))[::-1]
    ax.barh(y, values, color=["tab:green"] + ["tab:gray"] * (len(labels) - 1))
    ax.set_yticks(y, labels, fontsize=8)
    for yi, v in zip(y, values):
        ax.annotate(f"{v:,}", (v, yi), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
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
    quarter: Period,
    registry: Mapping[str, Community],
    community_feedback: Mapping[str, str] | None = None,
    code_meanings: Mapping[str, str] | None = None,
) -> Path:
    """Write ``REPORTS/<period>/national.md``, its charts and a page per community.

    Returns the path of ``national.md``. ``community_feedback[code]`` (Markdown)
    replaces the community's list of validation issues when given.
    """
    w = _read(warehouse_path, quarter)
    folder = Path(reports_dir) / quarter.label
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    (folder / "communities").mkdir(parents=True, exist_ok=True)
    _figures_chart(w, folder / "charts" / CHARTS[0])
    _jobs_chart(w, folder / "charts" / CHARTS[1])
    feedback = community_feedback or {}
    for code in sorted(registry):
        text = _community(w, quarter, registry[code], feedback.get(code))
        _write_text(folder / "communities" / f"{code}.md", text)
    national = folder / "national.md"
    _write_text(national, _national(w, quarter, registry, code_meanings or {}))
    return national


def _write_text(path: Path, text: str) -> None:
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8", newline="\n")
