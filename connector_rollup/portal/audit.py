"""The audit log: every change is an event, appended, never changed (portal.md "Limits and safety")."""

from __future__ import annotations

import sqlite3

from connector_rollup.portal.db import now


def record(
    conn: sqlite3.Connection,
    who: str | None,
    action: str,
    *,
    community_code: str | None = None,
    period: str | None = None,
    sha256: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one event: ``who`` (an email, None when unknown) did ``action`` now."""
    conn.execute(
        "INSERT INTO events (at, who, action, community_code, period, sha256, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (now(), who, action, community_code, period, sha256, detail),
    )


def events(
    conn: sqlite3.Connection,
    since: str | None = None,
    community_code: str | None = None,
    period: str | None = None,
    action: str | None = None,
) -> list[dict]:
    """Events oldest first, each as the API gives it (``at``, ``who``, ``action``, ...)."""
    rows = conn.execute(
        "SELECT at, who, action, community_code, period, sha256, detail FROM events"
        " WHERE (:since IS NULL OR at >= :since)"
        " AND (:community IS NULL OR community_code = :community)"
        " AND (:period IS NULL OR period = :period)"
        " AND (:action IS NULL OR action = :action)"
        " ORDER BY id",
        {"since": since, "community": community_code, "period": period, "action": action},
    ).fetchall()
    return [dict(r) for r in rows]
