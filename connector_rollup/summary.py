"""The roll-up's bookkeeping as frames: submissions, validation issues, data-quality figures.

These are what the warehouse loads besides the counts; nothing here holds a
name, email or phone number (issue values in those columns are masked).
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

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
