"""The roll-up's bookkeeping as frames: submissions, validation issues, data-quality figures.

These are what the warehouse loads besides the counts; nothing in them holds
a name, email or phone number (issue values in those columns are masked).
The two ``page_*`` frames are the exception, and never reach an analyst: the
files' own names and each problem as the community's page quotes it, value
included, which the warehouse build writes to the secretariat's pages file
(``warehouse.pages_path``) so that the reports read nothing else.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from connector_rollup import escape
from connector_rollup.intake.history import record_keys
from connector_rollup.submission import ERROR, Submission

SUBMISSION_COLUMNS = [
    "community_code",
    "period",
    "file_name",
    "sha256",
    "submitted_on",
    "status",
    "rows_read",
    "rows_rejected",
    "reason",
    "tracks_jobs",
    "language",
]
ISSUE_COLUMNS = [
    "file_name",
    "community_code",
    "period",
    "sheet",
    "row",
    "column",
    "cell",
    "severity",
    "code",
    "message",
    "value",
]


# The pages file's inputs (warehouse.pages_path): every workbook under its own name, and
# each problem as the community's page quotes it. Not for analysts.
PAGE_WORKBOOK_COLUMNS = [
    "file_name",
    "community_code",
    "period",
    "sha256",
    "submitted_on",
    "status",
    "language",
    "reason",
    "rows_read",
    "rows_rejected",
]
PAGE_PROBLEM_COLUMNS = [
    "file_name",
    "position",
    "sheet",
    "row",
    "column",
    "cell",
    "severity",
    "code",
    "value",
    "message",
    "fix",
]


def warehouse_label(sha256: str) -> str:
    """How the warehouse names a workbook: by its content, never by its file name.

    Analysts' views must not change when files are renamed or moved (issue 7),
    so the ``file_name`` columns hold this label; the reports, which the flow
    hands the real names, name each file as the community named it.
    """
    return f"workbook {sha256[:8]}"


def workbook_names(submissions: list[Submission]) -> dict[tuple[str, str], list[str]]:
    """The file names (folder relative to --raw) of the workbooks, by (sha256, status), sorted.

    The same bytes may lie under several names; their rows in the warehouse
    differ only by status, so the pair picks out each one.
    """
    names: dict[tuple[str, str], list[str]] = {}
    for s in submissions:
        names.setdefault((s.sha256, s.status), []).append(s.file_name)
    return {key: sorted(found) for key, found in sorted(names.items())}


def submissions_frame(submissions: list[Submission]) -> pd.DataFrame:
    """One row per workbook found, whatever its status."""
    rows = [
        {
            "community_code": s.community_code,
            "period": s.period.label if s.period else None,
            "file_name": warehouse_label(s.sha256),
            "sha256": s.sha256,
            "submitted_on": pd.Timestamp(s.submitted_on) if s.submitted_on else pd.NaT,
            "status": s.status,
            "rows_read": s.rows_read,
            "rows_rejected": s.rows_rejected,
            "reason": s.reason,
            "tracks_jobs": s.tracks_jobs,
            "language": s.language,
        }
        for s in submissions
    ]
    frame = pd.DataFrame(rows, columns=SUBMISSION_COLUMNS)
    frame["submitted_on"] = pd.to_datetime(frame["submitted_on"])
    return frame.sort_values(
        ["community_code", "period", "sha256", "status"], na_position="last", kind="stable"
    ).reset_index(drop=True)


def issues_frame(submissions: list[Submission]) -> pd.DataFrame:
    """One row per problem, the value masked in name, email and phone columns."""
    rows = [
        {
            "file_name": warehouse_label(s.sha256),
            "community_code": i.community_code or s.community_code,
            "period": i.period or (s.period.label if s.period else None),
            "sheet": i.sheet,
            "row": i.row,
            "column": i.column,
            "cell": i.cell,
            "severity": i.severity,
            "code": i.code,
            "message": _masked_message(i),
            "value": i.masked_value,
        }
        for s in submissions
        if s.status != "superseded"
        for i in s.issues
    ]
    frame = pd.DataFrame(rows, columns=ISSUE_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame


def page_workbooks_frame(submissions: list[Submission]) -> pd.DataFrame:
    """One row per workbook found, named by its file (folder relative to --raw): for the pages file."""
    rows = [
        {
            "file_name": s.file_name,
            "community_code": s.community_code,
            "period": s.period.label if s.period else None,
            "sha256": s.sha256,
            "submitted_on": pd.Timestamp(s.submitted_on) if s.submitted_on else pd.NaT,
            "status": s.status,
            "language": s.language,
            "reason": s.reason,
            "rows_read": s.rows_read,
            "rows_rejected": s.rows_rejected,
        }
        for s in sorted(submissions, key=lambda s: (s.file_name, s.sha256, s.status))
    ]
    frame = pd.DataFrame(rows, columns=PAGE_WORKBOOK_COLUMNS)
    frame["submitted_on"] = pd.to_datetime(frame["submitted_on"])
    return frame


def page_problems_frame(submissions: list[Submission]) -> pd.DataFrame:
    """Every problem of the workbooks in use, as the community's page quotes it: value unmasked.

    For the pages file only (the secretariat's); ``position`` keeps each
    workbook's problems in the order validation found them.
    """
    rows = [
        {
            "file_name": s.file_name,
            "position": position,
            "sheet": i.sheet,
            "row": i.row,
            "column": i.column,
            "cell": i.cell,
            "severity": i.severity,
            "code": i.code,
            "value": None if i.value is None else str(i.value),
            "message": i.message,
            "fix": i.fix,
        }
        for s in sorted(submissions, key=lambda s: (s.file_name, s.sha256, s.status))
        if s.status != "superseded"
        for position, i in enumerate(s.issues)
    ]
    frame = pd.DataFrame(rows, columns=PAGE_PROBLEM_COLUMNS)
    frame["position"] = frame["position"].astype("Int64")
    frame["row"] = frame["row"].astype("Int64")
    return frame


def basis_frames(
    effective: list[Submission],
    modified: dict[str, float],
    decisions,
    history,
) -> dict[str, pd.DataFrame]:
    """What the roll-up's figures rest on, for ``warehouse.build_warehouse(basis=...)``.

    ``effective`` are the workbooks counted (``history.Checked.effective``),
    ``modified`` their file modification times by SHA-256 (seconds since the
    epoch), ``decisions`` the secretariat's ``identity.Decision``s in force,
    ``history`` the ``history.History`` built from ``effective``. Returns
    ``{"submissions": community_code, period, sha256, submitted_on,
    file_modified (UTC, naive), "decisions": record_a, record_b, decision
    (same or different), "withdrawn": community_code, sheet (connectees,
    connectors, jobs), record (the record's identity as text, ``CODE|id``;
    a job's ``CODE|connectee_id|employer|start date``)}``. Records and
    decisions name IDs: the warehouse keeps only their keyed hashes.
    """
    times = [modified.get(s.sha256) for s in effective]
    submissions = pd.DataFrame(
        {
            "community_code": pd.Series([s.community_code for s in effective], dtype="str"),
            "period": pd.Series([s.period.label for s in effective], dtype="str"),
            "sha256": pd.Series([s.sha256 for s in effective], dtype="str"),
            "submitted_on": pd.to_datetime(
                pd.Series(
                    [pd.Timestamp(s.submitted_on) if s.submitted_on else pd.NaT for s in effective]
                )
            ),
            "file_modified": pd.to_datetime(
                pd.Series([t if t is not None else float("nan") for t in times], dtype="float"),
                unit="s",
            ),
        }
    )
    decided = pd.DataFrame(
        {
            "record_a": pd.Series([d.record_a for d in decisions], dtype="str"),
            "record_b": pd.Series([d.record_b for d in decisions], dtype="str"),
            "decision": pd.Series(
                ["same" if d.same else "different" for d in decisions], dtype="str"
            ),
        }
    )
    withdrawn = []
    for sheet in ("connectees", "connectors", "jobs"):
        frame = getattr(history, sheet)
        gone = frame[frame["withdrawn"].astype(bool)]
        for record in record_keys(sheet, gone):
            withdrawn.append(
                (record[0], sheet, "|".join("" if pd.isna(v) else str(v) for v in record))
            )
    return {
        "submissions": submissions,
        "decisions": decided,
        "withdrawn": pd.DataFrame(withdrawn, columns=["community_code", "sheet", "record"]),
    }


def _masked_message(issue) -> str:
    if issue.masked_value != issue.value and issue.value:
        return issue.message.replace(issue.value, "***")
    return issue.message


def quality_figures(
    submissions: list[Submission],
    effective: list[Submission],
    history,
    identity,
    count_summary: dict,
) -> dict:
    """The data-quality section's figures for the roll-up's effective submissions."""
    errors = Counter(i.code for s in effective for i in s.issues if i.severity == ERROR)
    rejected_files = Counter(
        s.issues[0].code if s.issues else "rejected" for s in submissions if s.status == "rejected"
    )
    return {
        "workbooks_found": len(submissions),
        "workbooks_accepted": len(effective),
        "workbooks_superseded": sum(s.status == "superseded" for s in submissions),
        "workbooks_rejected": sum(s.status == "rejected" for s in submissions),
        "workbooks_rejected_by_code": dict(sorted(rejected_files.items())),
        "rows_read": sum(s.rows_read for s in effective),
        "rows_rejected": sum(s.rows_rejected for s in effective),
        "rows_rejected_by_code": dict(sorted(errors.items())),
        "withdrawn": {
            "connectees": int(history.connectees["withdrawn"].sum()),
            "connectors": int(history.connectors["withdrawn"].sum()),
            "jobs": int(history.jobs["withdrawn"].sum()),
        },
        "connector_records": identity.records,
        "connector_persons": identity.persons,
        "merged_records": identity.merged_records,
        "review_pairs": len(identity.review),
        "jobs_excluded_by_reason": count_summary.get("jobs_excluded", {}),
    }


@dataclass
class RollupResult:
    """What a roll-up made and where it put it; ``summary()`` is what the person who ran it reads."""

    quarter: str
    national_report: Path
    warehouse: Path
    headline: dict[str, int] = field(default_factory=dict)
    workbooks: dict[str, int] = field(default_factory=dict)
    demo_key: bool = False
    review_file: Path | None = None
    decisions_file: Path | None = None
    not_read: list[str] = field(default_factory=list)  # files under --raw that are not .xlsx
    ignored_decisions: list[str] = field(
        default_factory=list
    )  # "record_a,record_b" naming no record

    def summary(self) -> str:
        """What the person who ran it needs to know, and where everything is."""
        w = self.workbooks
        lines = [
            f"Roll-up for {self.quarter} done.",
            f"  Workbooks: {w.get('found', 0)} found, {w.get('accepted', 0)} used, "
            f"{w.get('superseded', 0)} superseded, {w.get('rejected', 0)} rejected "
            f"({w.get('unchanged', 0)} unchanged since the last run, not read again).",
            f"  This quarter: {self.headline.get('connectees', 0)} Connectees onboarded, "
            f"{self.headline.get('connectors', 0)} Connectors, "
            f"{self.headline.get('jobs', 0)} Connectees in qualifying jobs.",
            f"  National report: {self.national_report}",
            f"  Community reports: {self.national_report.parent / 'communities'}",
            f"  Warehouse: {self.warehouse}",
            f"  Connector review list: {self.review_file} (decisions go in {self.decisions_file})",
            f"  Try: {_python()} -c \"import duckdb; print(duckdb.connect('"
            + str(self.warehouse)
            + "', read_only=True).sql('select * from national_quarterly order by period desc limit 8'))\"",
        ]
        if self.not_read:
            lines.append(
                f"  Not read: {len(self.not_read)} file(s) under the raw folder are not .xlsx workbooks: "
                f"{', '.join(map(escape.for_terminal, self.not_read))}. Open each in Excel and save it as .xlsx to include it."
            )
        if self.ignored_decisions:
            lines.append(
                f"  Warning: {ignored_decisions_sentence(self.ignored_decisions, self.decisions_file)}"
            )
        if self.demo_key:
            lines.append(
                "  Note: person keys use the documented DEMO key; set CONNECTOR_ROLLUP_KEY for real data."
            )
        return "\n".join(lines)


def ignored_decisions_sentence(pairs: list[str], decisions_file: Path | None) -> str:
    """One sentence naming the decisions that name no Connector record of the roll-up."""
    return (
        f"{len(pairs)} decision(s) in {decisions_file} name a record that does not exist and were not "
        f"applied: {'; '.join(map(escape.for_terminal, pairs))}. Check the record IDs against "
        "connector-review.csv (COMMUNITY:connector_id)."
    )


def _python() -> str:
    """This Python, as the user can type it (the virtual environment's, not the system's)."""
    import sys

    try:
        return os.path.relpath(sys.executable)
    except ValueError:
        return sys.executable


def validation_summary(submissions: list[Submission], not_read: list[str] = ()) -> str:
    """The Markdown table of every workbook and its verdict, for the flow's artifact."""
    md = escape.for_markdown  # file names are the communities' own text
    lines = [
        "# Validation summary",
        "",
        "| community | period | file | status | rows read | rows rejected | errors | warnings |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for s in sorted(
        submissions, key=lambda s: (s.community_code or "~", str(s.period), s.file_name)
    ):
        lines.append(
            f"| {s.community_code or '?'} | {s.period or '?'} | {md(s.file_name)} | {s.status} | "
            f"{s.rows_read} | {s.rows_rejected} | {len(s.errors)} | {len(s.warnings)} |"
        )
    if not_read:
        lines += [
            "",
            "Not read, because they are not .xlsx workbooks (save them as .xlsx to include them):",
            "",
        ]
        lines += [f"- {md(name)}" for name in not_read]
    return "\n".join(lines) + "\n"
