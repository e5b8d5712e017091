"""Connector decisions in the portal: the review list's pairs, and the secretariat's decisions on them.

The latest roll-up writes the review list (``connector-review.csv``, names and
contacts: the secretariat's only) beside the warehouse. Decisions live in the
portal's database; after each one the portal writes them all to
``connector-decisions.csv`` beside the warehouse, the file every roll-up
reads, so the command line keeps working. What is typed into that file by
hand is merged back first (``merge_decisions_file``), never overwritten.
"""

from __future__ import annotations

import csv
import io
import sqlite3

from connector_rollup.portal import audit
from connector_rollup.portal.accounts import User
from connector_rollup.portal.db import now
from connector_rollup.portal.settings import Settings
from connector_rollup.portal.uploads import UploadError
from connector_rollup.rollup import identity


def merge_decisions_file(conn: sqlite3.Connection, settings: Settings) -> int:
    """Take into the database what the decisions file holds that it does not; returns how many.

    The portal rewrites the file after each decision, so a line the database
    lacks, or deciding a pair otherwise, was typed into the file since: it is
    newer and is taken (``decided_by`` = ``file``, an audit event each). A pair
    missing from the file is not undecided: deleting a decision is done in the
    portal. Called when the portal starts, before each decision and before each
    roll-up, so hand-typed decisions are never lost. Raises
    ``identity.DecisionsError`` with its sentence for an unreadable file.
    """
    found = identity.load_decisions(settings.decisions_file)
    taken = 0
    for d in found:
        a, b = sorted((d.record_a, d.record_b))
        word = "same" if d.same else "different"
        row = conn.execute(
            "SELECT decision, note FROM decisions WHERE record_a = ? AND record_b = ?", (a, b)
        ).fetchone()
        if row is not None and (row["decision"], row["note"]) == (word, d.note):
            continue
        conn.execute(
            "INSERT INTO decisions (record_a, record_b, decision, note, decided_by, decided_at)"
            " VALUES (?, ?, ?, ?, 'file', ?) ON CONFLICT (record_a, record_b) DO UPDATE SET"
            " decision = excluded.decision, note = excluded.note,"
            " decided_by = excluded.decided_by, decided_at = excluded.decided_at",
            (a, b, word, d.note, now()),
        )
        audit.record(
            conn,
            None,
            "decision_from_file",
            detail=f"{a} {word} {b} ({settings.decisions_file.name})",
        )
        taken += 1
    return taken


def pairs(conn: sqlite3.Connection, settings: Settings) -> list[dict]:
    """The review list's pairs with both records and the decision taken, if any (portal.md)."""
    decided = {
        (r["record_a"], r["record_b"]): dict(r) for r in conn.execute("SELECT * FROM decisions")
    }
    if not settings.review_file.exists():
        return []
    with settings.review_file.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
        key = tuple(sorted((row["record_a"], row["record_b"])))
        decision = decided.get(key)
        out.append(
            {
                "record_a": row["record_a"],
                "record_b": row["record_b"],
                "reason": row["reason"],
                "detail": row["detail"],
                "a": _side(row, "a"),
                "b": _side(row, "b"),
                "decision": decision["decision"] if decision else None,
                "note": decision["note"] if decision else None,
                "decided_by": decision["decided_by"] if decision else None,
                "decided_at": decision["decided_at"] if decision else None,
            }
        )
    return out


def _side(row: dict, side: str) -> dict:
    # The file is made safe for spreadsheets ('+1 902 ...): the page shows what was typed.
    value = lambda column: identity.from_spreadsheet_safe(row.get(f"{column}_{side}", ""))  # noqa: E731
    return {
        "community_code": row[f"record_{side}"].split(":", 1)[0],
        "connector_id": row[f"record_{side}"].split(":", 1)[-1],
        "name": value("name"),
        "email": value("email"),
        "phone": value("phone"),
        "organization": value("organization"),
    }


def decide(
    conn: sqlite3.Connection,
    settings: Settings,
    user: User,
    record_a: str,
    record_b: str,
    decision: str,
    note: str = "",
) -> dict:
    """Record (or change) the decision on a pair, and write the decisions file the roll-up reads.

    Raises ``UploadError`` 400 for a decision other than same/different or a
    record not written ``COMMUNITY:ID``.
    """
    if decision not in ("same", "different"):
        raise UploadError(400, "bad_request", "The decision is either 'same' or 'different'.")
    for record in (record_a, record_b):
        code, _, connector = (record or "").partition(":")
        if code not in settings.registry or not connector.strip():
            raise UploadError(
                400,
                "bad_request",
                f"'{record}' is not a record: write it as COMMUNITY:CONNECTOR_ID, as the review list does.",
            )
    a, b = sorted((record_a, record_b))
    try:
        merge_decisions_file(conn, settings)  # what was typed into the file since is kept
    except identity.DecisionsError as exc:
        raise UploadError(409, "decisions_file", str(exc)) from None
    if a == b:
        raise UploadError(400, "bad_request", "A record is always the same as itself: choose two.")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO decisions (record_a, record_b, decision, note, decided_by, decided_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (record_a, record_b) DO UPDATE SET"
        " decision = excluded.decision, note = excluded.note,"
        " decided_by = excluded.decided_by, decided_at = excluded.decided_at",
        (a, b, decision, (note or "").strip()[:1000], user.email, now()),
    )
    audit.record(conn, user.email, "decision", detail=f"{a} {decision} {b}")
    conn.execute("COMMIT")
    export_decisions(conn, settings)
    row = conn.execute(
        "SELECT * FROM decisions WHERE record_a = ? AND record_b = ?", (a, b)
    ).fetchone()
    return dict(row)


def export_decisions(conn: sqlite3.Connection, settings: Settings) -> None:
    """Write every decision to the decisions file (owner-only), as `connector-rollup run` reads it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(identity.DECISIONS_HEADER)
    for r in conn.execute("SELECT * FROM decisions ORDER BY decided_at, record_a, record_b"):
        # A note opened in a spreadsheet is text, never a formula.
        writer.writerow(
            [r["record_a"], r["record_b"], r["decision"], identity.spreadsheet_safe(r["note"])]
        )
    settings.decisions_file.parent.mkdir(parents=True, exist_ok=True)
    identity.write_private_text(settings.decisions_file, out.getvalue())
