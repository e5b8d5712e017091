"""Uploads: check a workbook against its community's history, store it, preview its impact, submit it.

The operations behind both the API and the pages (portal.md "API (v1)"):
one reader and one set of checks, the library's (``validate_workbook`` and
``intake.check_community``), exactly as ``validate --raw`` runs them.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import os
import secrets
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path, PurePosixPath, PureWindowsPath

import pandas as pd

from connector_rollup.contract import DATA_SHEETS
from connector_rollup.intake import clean, feedback, history
from connector_rollup.intake.read import sha256_of
from connector_rollup.intake.validate import validate_workbook
from connector_rollup.intake.workbooks import check_community, community_submissions, find_workbooks
from connector_rollup.portal import audit
from connector_rollup.portal.accounts import User
from connector_rollup.portal.db import now
from connector_rollup.portal.settings import Settings
from connector_rollup.submission import Issue, Submission


class UploadError(Exception):
    """An upload request that cannot be done: an HTTP status, a code and one sentence."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def display_name(client_name: str | None) -> str:
    """The client's file name as shown on pages: its last part only, never used as a path."""
    name = PureWindowsPath(PurePosixPath(client_name or "").name).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "workbook.xlsx"


def check_upload(
    conn: sqlite3.Connection, settings: Settings, user: User, client_name: str | None, temp: Path
) -> dict:
    """Check the uploaded file at ``temp`` as ``validate --raw`` would, store it, and record it.

    Returns the upload as the API gives it (status ``checked`` or
    ``rejected``). Raises ``UploadError`` 403 ``other_community`` when a
    coordinator's workbook names another community; nothing is stored then.
    ``temp`` is consumed (moved or deleted) either way.
    """
    try:
        data = temp.read_bytes()
        name = display_name(client_name)
        submission = validate_workbook(
            Path(name), settings.registry, data=data, default_language=user.language
        )
        community = submission.community_code
        if not user.is_secretariat:
            if community is not None and community != user.community_code:
                raise UploadError(
                    403,
                    "other_community",
                    f"This workbook is for community {community}, not {user.community_code}: "
                    "upload your own community's workbook.",
                )
            community = user.community_code
        impact = None
        if submission.status == "accepted":
            submission, impact = _against_history(settings, submission)
        stored = settings.uploads_dir / f"{submission.sha256 or sha256_of(data)}.xlsx"
        if not stored.exists():
            stored.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, stored)
    finally:
        temp.unlink(missing_ok=True)
    upload_id = "u_" + secrets.token_hex(8)
    issues = [dataclasses.asdict(i) for i in submission.issues]
    period = submission.period.label if submission.period else None
    blocked = None
    if submission.status == "superseded":
        blocked = feedback.words(submission.language)["not_latest"]
    elif _sent_back_before(conn, stored.stem, community, period):
        blocked = feedback.words(submission.language)["sent_back_as_is"]
    conn.execute(
        "INSERT INTO uploads (id, file_name, sha256, uploaded_at, uploaded_by, community_code,"
        " period, submitted_on, language, status, reason, rows_read, rows_rejected, errors,"
        " warnings, tracks_jobs, issues, impact, blocked)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            upload_id,
            name,
            stored.stem,
            now(),
            user.id,
            community,
            period,
            submission.submitted_on.isoformat() if submission.submitted_on else None,
            submission.language,
            "rejected" if submission.status == "rejected" else "checked",
            submission.reason or None,
            submission.rows_read,
            submission.rows_rejected,
            len(submission.errors),
            len(submission.warnings),
            None if submission.tracks_jobs is None else int(submission.tracks_jobs),
            json.dumps(issues, default=str),
            json.dumps(impact) if impact is not None else None,
            blocked,
        ),
    )
    audit.record(
        conn,
        user.email,
        "upload",
        community_code=community,
        period=period,
        sha256=stored.stem,
        detail=f"{name}: " + ("rejected" if submission.status == "rejected" else "checked"),
    )
    return get(conn, user, upload_id)


def _sent_back_before(conn, sha256: str, community: str | None, period: str | None) -> bool:
    """Whether these bytes were submitted for the quarter and sent back by the secretariat."""
    return (
        conn.execute(
            "SELECT 1 FROM uploads WHERE sha256 = ? AND community_code IS ? AND period IS ?"
            " AND status = 'sent_back'",
            (sha256, community, period),
        ).fetchone()
        is not None
    )


def _against_history(settings: Settings, submission: Submission) -> tuple[Submission, dict]:
    """The submission checked against its community's submitted workbooks, and what it would change."""
    before = _community_before(settings, submission.community_code)
    earlier, old = before.earlier, before.frames
    if any(s.sha256 == submission.sha256 for s in earlier):  # the same bytes, already submitted
        earlier = [s for s in earlier if s.sha256 != submission.sha256]
        old = history.build_history(history.check(earlier, before.modified).effective).frames()
    checked = check_community([submission], earlier, before.modified)
    return checked.submissions[0], _impact(old, checked.effective)


@dataclasses.dataclass(frozen=True)
class _Before:
    """A community's submitted workbooks (``community_submissions``) and the history they make."""

    earlier: list[Submission]
    modified: dict[str, float]
    frames: dict[str, pd.DataFrame]  # history.build_history of the effective ones


KEPT_HISTORIES = 8  # communities whose _Before is kept between uploads (a few MB each)
_kept: collections.OrderedDict[tuple, tuple[tuple, _Before]] = collections.OrderedDict()
_kept_lock = threading.Lock()


def _raw_state(raw_dir: Path) -> tuple:
    """Every workbook under ``raw_dir`` with its size and modification time."""
    state = []
    for path in find_workbooks(raw_dir):
        try:
            stat = path.stat()
        except OSError:
            continue
        state.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(state)


def _community_before(settings: Settings, community: str | None) -> _Before:
    """``community``'s ``_Before``, kept while no workbook under ``--raw`` is added, removed or changed.

    Reading the community's history means reading and hashing every workbook
    under ``--raw`` (a workbook belongs to the community its Submission sheet
    names), loading its own from the clean cache, and building its history:
    most of an upload's check when the same community uploads again. Any
    change under ``--raw`` (a submission, a file put there by hand) is seen
    by the next upload, which then reads it all again.
    """
    key = (
        str(settings.raw_dir),
        str(settings.clean_dir),
        community,
        clean.registry_fingerprint(settings.registry),
    )
    state = _raw_state(settings.raw_dir)
    with _kept_lock:
        kept = _kept.get(key)
        if kept is not None and kept[0] == state:
            _kept.move_to_end(key)
            return kept[1]
    earlier, modified = community_submissions(
        settings.raw_dir, community, settings.registry, settings.clean_dir
    )
    effective = history.check(earlier, modified).effective
    before = _Before(earlier, modified, history.build_history(effective).frames())
    with _kept_lock:
        _kept[key] = (state, before)
        _kept.move_to_end(key)
        while len(_kept) > KEPT_HISTORIES:
            _kept.popitem(last=False)
    return before


def impact(before: list[Submission], after: list[Submission]) -> dict[str, dict[str, int]]:
    """New, changed and withdrawn records per sheet between two sets of effective submissions.

    A record (``history.record_keys``) is *new* when it was not in the
    community's data, *withdrawn* when it counted before and now is absent or
    marked Withdrawn, *changed* when any other of its values differs.
    """
    return _impact(history.build_history(before).frames(), after)


def _impact(old: dict[str, pd.DataFrame], after: list[Submission]) -> dict[str, dict[str, int]]:
    """``impact`` from the history frames before (``history.build_history(before).frames()``)."""
    new = history.build_history(after).frames()
    result = {}
    for sheet in DATA_SHEETS:
        was_rows, now_rows = _differing(old[sheet.key], new[sheet.key])
        was, now_ = _records(sheet.key, was_rows), _records(sheet.key, now_rows)
        counts = {"new": 0, "changed": 0, "withdrawn": 0}
        for key, values in now_.items():
            if key not in was:
                counts["new"] += 1
            elif _counts(was[key]) and not _counts(values):
                counts["withdrawn"] += 1
            elif values != was[key]:
                counts["changed"] += 1
        counts["withdrawn"] += sum(1 for key, v in was.items() if key not in now_ and _counts(v))
        result[sheet.key] = counts
    return result


def _differing(old, new) -> tuple:
    """The rows of ``old`` and of ``new`` (history frames) with no identical row in the other.

    A row found whole in both frames is the same record with the same values
    (its key is made of its values, and a history holds each key once), so
    it is neither new, changed nor withdrawn: only the other rows need the
    record-by-record comparison, which costs a Python object per cell. Most
    of a community's history is unchanged by one workbook.
    """
    if old.empty or new.empty:
        return old, new
    columns = [c for c in old.columns if c != "source_period"]
    both = pd.concat([old[columns], new[columns]], ignore_index=True)
    same = both.duplicated(keep=False).to_numpy()
    return old[~same[: len(old)]], new[~same[len(old) :]]


def _records(sheet_key: str, frame) -> dict[tuple, dict]:
    values = frame.drop(columns=["source_period"]).astype(object)
    values = values.where(values.notna(), None)
    rows = values.to_dict("records")
    return dict(zip(history.record_keys(sheet_key, frame), rows))


def _counts(values: dict) -> bool:
    return not values.get("withdrawn")


# An upload row with its uploader's email, in one query (never one more query per upload).
_WITH_UPLOADER = (
    "SELECT uploads.*, users.email AS uploader FROM uploads"
    " LEFT JOIN users ON users.id = uploads.uploaded_by"
)


def get(conn: sqlite3.Connection, user: User, upload_id: str) -> dict:
    """One upload as the API gives it; 404 when there is none *or* ``user`` may not see it."""
    row = conn.execute(f"{_WITH_UPLOADER} WHERE uploads.id = ?", (upload_id,)).fetchone()
    if row is None or not user.sees(row["community_code"]):
        raise UploadError(404, "not_found", "There is no such upload.")
    return as_api(row)


def listing(conn: sqlite3.Connection, user: User, period: str | None = None) -> list[dict]:
    """Uploads ``user`` may see, newest first, optionally of one quarter."""
    rows = conn.execute(
        f"{_WITH_UPLOADER} WHERE (:period IS NULL OR uploads.period = :period)"
        " AND (:all OR uploads.community_code = :community)"
        " ORDER BY uploads.uploaded_at DESC, uploads.rowid DESC",
        {"period": period, "all": user.is_secretariat, "community": user.community_code},
    ).fetchall()
    return [as_api(r) for r in rows]


def as_api(row: sqlite3.Row) -> dict:
    """The upload object of portal.md "API (v1)" (plus ``blocked``: why it cannot be submitted).

    ``row``: an upload row with its uploader's email as ``uploader`` (``_WITH_UPLOADER``).
    """
    issues = json.loads(row["issues"])
    return {
        "id": row["id"],
        "file_name": row["file_name"],
        "sha256": row["sha256"],
        "uploaded_at": row["uploaded_at"],
        "uploaded_by": row["uploader"],
        "community_code": row["community_code"],
        "period": row["period"],
        "status": row["status"],
        "reason": row["reason"] if row["status"] == "rejected" else None,
        "rows_read": row["rows_read"],
        "rows_rejected": row["rows_rejected"],
        "errors": row["errors"],
        "warnings": row["warnings"],
        "issues": [
            {
                "sheet": i["sheet"],
                "row": i["row"],
                "column": i["column"],
                "cell": i["cell"],
                "severity": i["severity"],
                "code": i["code"],
                "message": i["message"],
            }
            for i in issues
        ],
        "impact": json.loads(row["impact"]) if row["impact"] else None,
        "submitted_at": row["submitted_at"],
        "sent_back_at": row["sent_back_at"],
        "sent_back_comment": row["sent_back_comment"],
        "blocked": row["blocked"],
        "language": row["language"],
    }


def issues_of(conn: sqlite3.Connection, upload_id: str) -> list[Issue]:
    row = conn.execute("SELECT issues FROM uploads WHERE id = ?", (upload_id,)).fetchone()
    return [Issue(**i) for i in json.loads(row["issues"])]


def annotated(conn: sqlite3.Connection, settings: Settings, user: User, upload_id: str) -> Path:
    """The upload's annotated copy (made once, then kept); 409 for a rejected file."""
    upload = get(conn, user, upload_id)
    if upload["status"] == "rejected":
        raise UploadError(
            409, "rejected", "The file itself was rejected: there is no annotated copy to make."
        )
    out = settings.annotated_dir / f"{upload_id}.xlsx"
    if not out.exists():
        settings.annotated_dir.mkdir(parents=True, exist_ok=True)
        submission = Submission(
            upload["file_name"],
            upload["sha256"],
            "accepted",
            upload["language"],
            issues=issues_of(conn, upload_id),
        )
        with tempfile.TemporaryDirectory(dir=settings.annotated_dir) as work:
            partial = Path(work) / "copy.xlsx"
            feedback.write_annotated(
                settings.uploads_dir / f"{upload['sha256']}.xlsx", submission, partial
            )
            os.replace(partial, out)
    return out


def submit(conn: sqlite3.Connection, settings: Settings, user: User, upload_id: str) -> dict:
    """Make the upload its community's submission for its quarter (portal.md "API (v1)").

    Copies the workbook to ``raw/<community>/<period>/<sha256>.xlsx`` (where
    ``connector-rollup run`` reads it) and marks the community's earlier
    submission of that quarter ``superseded``. Already submitted: no change.
    Raises ``UploadError`` 409 for a rejected upload, a superseded one, or
    one whose ``Submitted on`` is older than the submission it would replace.
    """
    upload = get(conn, user, upload_id)
    if upload["status"] == "submitted":
        return upload
    if upload["status"] == "rejected":
        raise UploadError(
            409,
            "rejected",
            "This file was rejected, so it cannot be submitted: fix it and upload it again.",
        )
    if upload["status"] == "superseded":
        raise UploadError(409, "superseded", "A later upload has replaced this one.")
    if upload["status"] == "sent_back":
        raise UploadError(
            409, "sent_back", "The secretariat sent this workbook back: upload a corrected one."
        )
    community, period = upload["community_code"], upload["period"]
    row = conn.execute("SELECT submitted_on FROM uploads WHERE id = ?", (upload_id,)).fetchone()
    current = conn.execute(
        "SELECT id, submitted_on FROM uploads WHERE community_code = ? AND period = ?"
        " AND status = 'submitted'",
        (community, period),
    ).fetchone()
    if _sent_back_before(conn, upload["sha256"], community, period):
        raise UploadError(409, "sent_back", feedback.words(upload["language"])["sent_back_as_is"])
    if upload["blocked"] or (current and current["submitted_on"] > row["submitted_on"]):
        raise UploadError(409, "not_latest", feedback.words(upload["language"])["not_latest"])
    target = settings.raw_dir / community / period / f"{upload['sha256']}.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".part", delete=False) as part:
        with open(settings.uploads_dir / f"{upload['sha256']}.xlsx", "rb") as source:
            shutil.copyfileobj(source, part)
    os.replace(part.name, target)
    # The roll-up breaks a tie in Submitted on by the later file time: make this one later.
    stamp = dt.datetime.now().timestamp()
    os.utime(target, (stamp, stamp))
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "UPDATE uploads SET status = 'superseded' WHERE community_code = ? AND period = ?"
        " AND status = 'submitted'",
        (community, period),
    )
    conn.execute(
        "UPDATE uploads SET status = 'submitted', submitted_at = ?, submitted_by = ? WHERE id = ?",
        (now(), user.id, upload_id),
    )
    audit.record(
        conn,
        user.email,
        "submit",
        community_code=community,
        period=period,
        sha256=upload["sha256"],
        detail=upload["file_name"],
    )
    conn.execute("COMMIT")
    return get(conn, user, upload_id)
