"""The secretariat's quarter: who has submitted, who is late, and sending a submission back.

portal.md "The secretariat's operations": the board has one row per
registered community with its status for a quarter:

* ``submitted``: the workbook that counts for the quarter arrived by the due date
  (``DUE_DAYS`` after the quarter ends);
* ``late``: it arrived after the due date;
* ``sent_back``: the secretariat returned the submission with a comment, and
  nothing was submitted since;
* ``rejected``: every workbook for the quarter so far was rejected as a file;
* ``missing``: nothing for the quarter.

The workbooks that count are those in ``--raw``, whether the portal wrote
them or the secretariat saved them there by hand (``raw_index`` reads each
file version once, through the library's intake and the portal's clean cache).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from connector_rollup.intake.history import supersede
from connector_rollup.intake.workbooks import find_workbooks, intake_workbooks
from connector_rollup.periods import Period
from connector_rollup.portal import audit
from connector_rollup.portal.accounts import User
from connector_rollup.portal.db import now
from connector_rollup.portal.settings import Settings
from connector_rollup.portal.uploads import UploadError, get
from connector_rollup.submission import Submission

STATUSES = ("missing", "submitted", "late", "rejected", "sent_back")


def due_on(period: Period, due_days: int) -> dt.date:
    """The day a quarter's workbook is due: ``due_days`` after the quarter's last day."""
    return period.last_day + dt.timedelta(days=due_days)


@dataclass(frozen=True)
class RawFile:
    """A workbook in ``--raw`` as the roll-up will see it (one row of ``raw_index``)."""

    path: str
    mtime: float
    sha256: str
    community_code: str | None
    period: str | None
    submitted_on: str | None
    status: str  # "accepted" or "rejected"
    errors: int
    warnings: int
    tracks_jobs: bool | None


def refresh_raw_index(conn: sqlite3.Connection, settings: Settings) -> list[RawFile]:
    """Every workbook under ``--raw``, read once per file version (new or changed files only)."""
    known = {r["path"]: r for r in conn.execute("SELECT * FROM raw_index")}
    found, todo = {}, []
    for path in find_workbooks(settings.raw_dir):
        name = path.relative_to(settings.raw_dir).as_posix()
        stat = path.stat()
        found[name] = stat
        row = known.get(name)
        if row is None or row["mtime"] != stat.st_mtime or row["size"] != stat.st_size:
            todo.append(path)
    if todo:
        results = intake_workbooks(todo, settings.registry, settings.clean_dir)
        for path, (submission, _) in zip(todo, results, strict=True):
            _index(conn, settings, path, submission)
    gone = [name for name in known if name not in found]
    conn.executemany("DELETE FROM raw_index WHERE path = ?", [(n,) for n in gone])
    return [
        RawFile(
            r["path"],
            r["mtime"],
            r["sha256"],
            r["community_code"],
            r["period"],
            r["submitted_on"],
            r["status"],
            r["errors"],
            r["warnings"],
            None if r["tracks_jobs"] is None else bool(r["tracks_jobs"]),
        )
        for r in conn.execute("SELECT * FROM raw_index ORDER BY path")
    ]


def _index(conn: sqlite3.Connection, settings: Settings, path: Path, s: Submission) -> None:
    stat = path.stat()
    conn.execute(
        "INSERT OR REPLACE INTO raw_index (path, mtime, size, sha256, community_code, period,"
        " submitted_on, status, errors, warnings, tracks_jobs)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            path.relative_to(settings.raw_dir).as_posix(),
            stat.st_mtime,
            stat.st_size,
            s.sha256,
            s.community_code,
            s.period.label if s.period else None,
            s.submitted_on.isoformat() if s.submitted_on else None,
            s.status,
            len(s.errors),
            len(s.warnings),
            None if s.tracks_jobs is None else int(s.tracks_jobs),
        ),
    )


def board(
    period: Period,
    registry: dict,
    raw_files: list[RawFile],
    uploads: list[dict],
    due: dt.date,
) -> list[dict]:
    """One row per registered community for ``period`` (portal.md board row), by community code.

    ``raw_files`` are the workbooks in ``--raw``; ``uploads`` the portal's
    uploads of the quarter (rows of the ``uploads`` table, as dicts).
    A submission's time is when the portal received it, or, for a workbook
    saved into ``--raw`` by hand, its Submitted on date.
    """
    label = period.label
    rows = []
    for code in sorted(registry):
        mine = [f for f in raw_files if f.community_code == code and f.period == label]
        winner = _winner([f for f in mine if f.status == "accepted"])
        portal = {u["sha256"]: u for u in uploads if u["community_code"] == code}
        sent_back = max(
            (u for u in portal.values() if u["status"] == "sent_back"),
            key=lambda u: u["sent_back_at"] or "",
            default=None,
        )
        row = {
            "community_code": code,
            "name": registry[code].name,
            "status": "missing",
            "submitted_at": None,
            "upload_id": None,
            "errors": None,
            "warnings": None,
            "tracks_jobs": None,
            "comment": None,
        }
        if winner is not None:
            upload = portal.get(winner.sha256)
            at = (upload or {}).get("submitted_at") or winner.submitted_on
            row.update(
                status="late" if dt.date.fromisoformat(at[:10]) > due else "submitted",
                submitted_at=at,
                upload_id=(upload or {}).get("id"),
                errors=winner.errors,
                warnings=winner.warnings,
                tracks_jobs=winner.tracks_jobs,
            )
            if sent_back and (sent_back["sent_back_at"] or "") > (at or ""):
                winner = None  # sent back after this one arrived: the community owes a new one
        if winner is None and sent_back is not None:
            row.update(
                status="sent_back",
                submitted_at=sent_back["submitted_at"],
                upload_id=sent_back["id"],
                errors=sent_back["errors"],
                warnings=sent_back["warnings"],
                comment=sent_back["sent_back_comment"],
            )
        elif winner is None and (
            any(f.status == "rejected" for f in mine)
            or any(u["status"] == "rejected" for u in portal.values())
        ):
            row["status"] = "rejected"
        rows.append(row)
    return rows


def _winner(accepted: list[RawFile]) -> RawFile | None:
    """The workbook the roll-up keeps for a community's quarter (``history.supersede``'s rule)."""
    if not accepted:
        return None
    stand_ins = [
        Submission(
            f.path,
            f.sha256,
            "accepted",
            community_code=f.community_code,
            period=Period.parse(f.period),
            submitted_on=dt.date.fromisoformat(f.submitted_on) if f.submitted_on else None,
        )
        for f in accepted
    ]
    marked = supersede(stand_ins, {f.sha256: f.mtime for f in accepted})
    return next(f for f, s in zip(accepted, marked, strict=True) if s.status == "accepted")


def summary(rows: list[dict], due: dt.date, today: dt.date) -> dict[str, int]:
    """The counts at the top of the board: submitted (late included), late, missing, ..."""
    counts = {status: sum(r["status"] == status for r in rows) for status in STATUSES}
    return {
        "total": len(rows),
        "submitted": counts["submitted"] + counts["late"],
        "late": counts["late"],
        "missing": counts["missing"],
        "overdue": counts["missing"] if today > due else 0,
        "rejected": counts["rejected"],
        "sent_back": counts["sent_back"],
    }


def quarter_board(
    conn: sqlite3.Connection, settings: Settings, period: Period, only: str | None = None
) -> dict:
    """``GET /quarters/{period}/board``: the API's answer (``period``, ``due_on``, ``communities``).

    ``only``: one community's row (a coordinator's home), the same status the board shows.
    """
    raw_files = refresh_raw_index(conn, settings)
    uploads = [
        dict(r) for r in conn.execute("SELECT * FROM uploads WHERE period = ?", (period.label,))
    ]
    due = due_on(period, settings.due_days)
    registry = {only: settings.registry[only]} if only else settings.registry
    return {
        "period": period.label,
        "due_on": due.isoformat(),
        "communities": board(period, registry, raw_files, uploads, due),
    }


def send_back(
    conn: sqlite3.Connection, settings: Settings, user: User, upload_id: str, comment: str
) -> dict:
    """Return a submission to its community with ``comment`` (secretariat only).

    Every workbook of the community for that quarter leaves ``--raw`` (kept
    under ``--data``/sent-back, by their paths): the returned one and any
    earlier one, the portal's or saved by hand. The roll-up then counts
    nothing of the quarter for the community until it submits again, which is
    what the board shows. 409 unless the upload is the current submission.
    """
    upload = get(conn, user, upload_id)
    comment = (comment or "").strip()
    if not comment:
        raise UploadError(
            400, "comment_required", "Say in the comment what the community should fix."
        )
    if upload["status"] != "submitted":
        raise UploadError(409, "not_submitted", "Only the submission that counts can be sent back.")
    community, period, sha = upload["community_code"], upload["period"], upload["sha256"]
    moved = []
    for found in refresh_raw_index(conn, settings):
        if found.community_code == community and found.period == period:
            target = settings.sent_back_dir / found.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(settings.raw_dir / found.path, target)
            moved.append(found.path)
    refresh_raw_index(conn, settings)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "UPDATE uploads SET status = 'sent_back', sent_back_at = ?, sent_back_by = ?,"
        " sent_back_comment = ? WHERE id = ?",
        (now(), user.id, comment[:2000], upload_id),
    )
    audit.record(
        conn,
        user.email,
        "send_back",
        community_code=community,
        period=period,
        sha256=sha,
        detail=f"{comment[:500]} (out of --raw: {', '.join(moved) or 'nothing'})",
    )
    conn.execute("COMMIT")
    return get(conn, user, upload_id)
