"""Roll-ups started from the portal: one at a time, watched until they end (portal.md, issue 10).

A roll-up is the `connector-rollup run` Prefect flow over the portal's
``--raw``. With ``CONNECTOR_ROLLUP_DEPLOYMENT`` set (for example
``connector-rollup/quarterly-rollup``) and a Prefect server configured
(``PREFECT_API_URL``), it is a run of that deployment, picked up by the
secretariat's worker; otherwise it runs in a background process
(``python -m connector_rollup.portal.rollup_job``) that writes its outcome to
a file beside its log, so the portal learns how it ended even after a restart.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

from connector_rollup.periods import Period
from connector_rollup.portal import audit
from connector_rollup.portal.accounts import User
from connector_rollup.portal.db import now
from connector_rollup.portal.review import export_decisions, merge_decisions_file
from connector_rollup.portal.settings import Settings
from connector_rollup.portal.uploads import UploadError
from connector_rollup.processes import process_alive

DEPLOYMENT_VARIABLE = "CONNECTOR_ROLLUP_DEPLOYMENT"
ACTIVE = ("scheduled", "running")


def start(conn: sqlite3.Connection, settings: Settings, user: User, quarter: str) -> dict:
    """Start the roll-up of ``quarter``; 409 while another runs, 400 for a malformed quarter."""
    period = Period.parse(quarter or "")
    if period is None:
        raise UploadError(
            400, "bad_request", f"'{quarter}' is not a quarter: write it like 2024-25-Q4."
        )
    current = Period.containing(dt.date.today())
    if period > current:
        # A typo would replace the analysts' warehouse with an empty future quarter.
        raise UploadError(
            400,
            "future_quarter",
            f"{period.label} has not begun: roll up a quarter that has ended "
            f"(the latest is {current.previous().label}).",
        )
    refresh(conn, settings)
    conn.execute("BEGIN IMMEDIATE")  # two clicks at once: one of them starts it
    running = conn.execute(
        "SELECT id, quarter FROM rollups WHERE status IN ('scheduled', 'running')"
    ).fetchone()
    if running is not None:
        conn.execute("ROLLBACK")
        raise UploadError(
            409,
            "rollup_running",
            f"The roll-up of {running['quarter']} is still running: wait until it ends.",
        )
    rollup_id = "r_" + secrets.token_hex(6)
    conn.execute(
        "INSERT INTO rollups (id, quarter, status, started_by, started_at)"
        " VALUES (?, ?, 'scheduled', ?, ?)",
        (rollup_id, period.label, user.email, now()),
    )
    audit.record(conn, user.email, "rollup_started", period=period.label, detail=rollup_id)
    conn.execute("COMMIT")
    try:
        merge_decisions_file(conn, settings)  # what was typed into the file meanwhile is kept
        export_decisions(conn, settings)  # the run reads the portal's decisions from this file
        if os.environ.get(DEPLOYMENT_VARIABLE) and os.environ.get("PREFECT_API_URL"):
            flow_run_id = _through_deployment(settings, period)
            conn.execute(
                "UPDATE rollups SET flow_run_id = ? WHERE id = ?", (flow_run_id, rollup_id)
            )
        else:
            pid, log = _in_background(settings, period, rollup_id)
            conn.execute(
                "UPDATE rollups SET status = 'running', pid = ?, log_path = ? WHERE id = ?",
                (pid, str(log), rollup_id),
            )
    except Exception as exc:  # could not even start: say so on the roll-up itself
        _end(conn, rollup_id, "failed", None, f"The roll-up could not start: {exc}")
    return get(conn, settings, rollup_id)


def _run_arguments(settings: Settings, period: Period) -> list[str]:
    args = [
        "run",
        "--quarter",
        period.label,
        "--raw",
        str(settings.raw_dir),
        "--warehouse",
        str(settings.warehouse),
        "--reports",
        str(settings.reports_dir),
    ]
    if settings.communities_path is not None:
        args += ["--communities", str(settings.communities_path)]
    return args


def _in_background(settings: Settings, period: Period, rollup_id: str) -> tuple[int, Path]:
    settings.rollup_logs_dir.mkdir(parents=True, exist_ok=True)
    log = settings.rollup_logs_dir / f"{rollup_id}.log"
    result = settings.rollup_logs_dir / f"{rollup_id}.json"
    env = {**os.environ}
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "connector_rollup.portal.rollup_job",
                str(result),
                str(settings.warehouse),
                period.label,
                *_run_arguments(settings, period),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C of the portal does not cut the roll-up short
            env=env,
        )
    _children[rollup_id] = process
    return process.pid, log


_children: dict[str, subprocess.Popen] = {}  # reaped by refresh, so no zombie is left


def _through_deployment(settings: Settings, period: Period) -> str:
    from prefect.deployments import run_deployment

    flow_run = run_deployment(
        os.environ[DEPLOYMENT_VARIABLE],
        parameters={
            "quarter": period.label,
            "raw_dir": str(settings.raw_dir),
            "warehouse": str(settings.warehouse),
            "reports_dir": str(settings.reports_dir),
            **(
                {"communities": str(settings.communities_path)} if settings.communities_path else {}
            ),
        },
        timeout=0,  # scheduled: the worker runs it; refresh follows its state
    )
    return str(flow_run.id)


def refresh(conn: sqlite3.Connection, settings: Settings) -> None:
    """Bring the status of every unfinished roll-up up to date."""
    for row in conn.execute("SELECT * FROM rollups WHERE status IN ('scheduled', 'running')"):
        if row["flow_run_id"]:
            _refresh_flow_run(conn, settings, row)
            continue
        if row["pid"] is None:
            continue
        child = _children.get(row["id"])
        if child is not None and child.poll() is None:
            continue
        if child is None and process_alive(row["pid"]):
            continue  # started by an earlier portal process and still working
        _children.pop(row["id"], None)
        result_file = Path(row["log_path"]).with_suffix(".json")
        try:
            result = json.loads(result_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            result = {
                "status": "failed",
                "message": "The roll-up stopped before it finished; see its log.",
            }
        _end(conn, row["id"], result["status"], result.get("figures"), result.get("message"))


def _refresh_flow_run(conn: sqlite3.Connection, settings: Settings, row: sqlite3.Row) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(row["flow_run_id"]).state
    kind = state.type.value if state else "SCHEDULED"
    if kind == "RUNNING":
        conn.execute("UPDATE rollups SET status = 'running' WHERE id = ?", (row["id"],))
    elif kind == "COMPLETED":
        _end(
            conn, row["id"], "completed", national_figures(settings.warehouse, row["quarter"]), None
        )
    elif kind in ("FAILED", "CRASHED", "CANCELLED"):
        _end(
            conn, row["id"], "failed", None, state.message or f"The flow run ended {kind.lower()}."
        )


def _end(conn, rollup_id: str, status: str, figures: dict | None, message: str | None) -> None:
    conn.execute(
        "UPDATE rollups SET status = ?, ended_at = ?, figures = ?, message = ? WHERE id = ?",
        (status, now(), json.dumps(figures) if figures else None, message, rollup_id),
    )
    row = conn.execute("SELECT quarter FROM rollups WHERE id = ?", (rollup_id,)).fetchone()
    audit.record(conn, None, f"rollup_{status}", period=row["quarter"], detail=rollup_id)


def national_figures(warehouse: Path, quarter: str) -> dict | None:
    """The quarter's national connectees, connectors and jobs in ``warehouse`` (None if absent)."""
    import duckdb

    try:
        with duckdb.connect(str(warehouse), read_only=True) as db:
            row = db.execute(
                "SELECT connectees, connectors, jobs FROM national_quarterly WHERE period = ?",
                [quarter],
            ).fetchone()
    except duckdb.Error:
        return None
    return dict(zip(("connectees", "connectors", "jobs"), map(int, row))) if row else None


def get(conn: sqlite3.Connection, settings: Settings, rollup_id: str) -> dict:
    """One roll-up as the API gives it; 404 when there is none."""
    refresh(conn, settings)
    row = conn.execute("SELECT * FROM rollups WHERE id = ?", (rollup_id,)).fetchone()
    if row is None:
        raise UploadError(404, "not_found", "There is no such roll-up.")
    return as_api(row)


def as_api(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "quarter": row["quarter"],
        "status": row["status"],
        "started_by": row["started_by"],
        "started_at": row["started_at"],
        "ended_at": row["ended_at"],
        "figures": json.loads(row["figures"]) if row["figures"] else None,
        "message": row["message"],
    }


def listing(conn: sqlite3.Connection, settings: Settings) -> list[dict]:
    refresh(conn, settings)
    return [
        as_api(r)
        for r in conn.execute("SELECT * FROM rollups ORDER BY started_at DESC, rowid DESC")
    ]


def latest_completed(conn: sqlite3.Connection, quarter: str) -> dict | None:
    row = conn.execute(
        "SELECT * FROM rollups WHERE quarter = ? AND status = 'completed'"
        " ORDER BY ended_at DESC LIMIT 1",
        (quarter,),
    ).fetchone()
    return as_api(row) if row else None


def publish(
    conn: sqlite3.Connection, settings: Settings, user: User, quarter: str, note: str
) -> dict:
    """Publish the latest completed roll-up of ``quarter`` (as `connector-rollup publish`).

    The warehouse holds one roll-up, the latest; 409 when that is not a
    completed roll-up of ``quarter`` (run it first), 400 for a malformed
    quarter. Blocks while a roll-up swaps its warehouse in: call it off the
    event loop (FastAPI runs sync routes in its thread pool).
    """
    from connector_rollup.rollup.publication import NoRollupError, PublicationError
    from connector_rollup.rollup.publication import publish as publish_figures

    period = Period.parse(quarter or "")
    if period is None:
        raise UploadError(
            400, "bad_request", f"'{quarter}' is not a quarter: write it like 2024-25-Q4."
        )
    refresh(conn, settings)
    running = conn.execute(
        "SELECT quarter FROM rollups WHERE status IN ('scheduled', 'running')"
    ).fetchone()
    if running is not None:
        raise UploadError(
            409,
            "rollup_running",
            f"The roll-up of {running['quarter']} is still running: publish once it has ended.",
        )
    try:
        published = publish_figures(
            settings.warehouse, period.label, note=note or "", by=user.email
        )
    except NoRollupError as exc:
        raise UploadError(409, "no_rollup", str(exc)) from None
    except PublicationError as exc:
        raise UploadError(409, "cannot_publish", str(exc)) from None
    audit.record(
        conn,
        user.email,
        "publish",
        period=period.label,
        detail=f"publication {published.get('publication')}: {note or ''}"[:500],
    )
    return published


def revised_quarters(settings: Settings) -> set[str]:
    """Published quarters whose figures the latest roll-up no longer gives (empty without a warehouse)."""
    from connector_rollup.rollup.publication import revised_periods

    try:
        return revised_periods(settings.warehouse) if settings.warehouse.exists() else set()
    except Exception:  # a warehouse from an older version, or being swapped: no mark this time
        return set()


def community_figures(warehouse: Path, code: str) -> list[dict]:
    """The community's quarters in the warehouse, newest first (empty without a warehouse)."""
    import duckdb

    if not warehouse.exists():
        return []
    try:
        with duckdb.connect(str(warehouse), read_only=True) as db:
            rows = db.execute(
                "SELECT period, connectees, connectors, jobs FROM community_quarterly"
                " WHERE community_code = ? ORDER BY period DESC LIMIT 8",
                [code],
            ).fetchall()
    except duckdb.Error:
        return []
    return [dict(zip(("period", "connectees", "connectors", "jobs"), r)) for r in rows]
