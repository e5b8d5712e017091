"""The portal's embedded database: one SQLite file in WAL mode, upgraded in place by numbered migrations.

Migrations are the ``migrations/NNNN_*.sql`` files beside this module, applied
in order; SQLite's ``user_version`` records how many have run, so a portal
started by a later version upgrades its database before serving.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from importlib import resources
from pathlib import Path

DATABASE_NAME = "portal.sqlite3"


def migrations() -> list[tuple[int, str]]:
    """(number, SQL) of every migration shipped, in order."""
    folder = resources.files("connector_rollup.portal") / "migrations"
    found = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(int(name[:4]), (folder / name).read_text(encoding="utf-8")) for name in found]


def connect(data_dir: Path) -> sqlite3.Connection:
    """A connection to the portal's database under ``data_dir`` (created and migrated if needed).

    Rows come back as ``sqlite3.Row``; foreign keys are enforced; WAL lets
    pages read while an upload is written. One connection per request, never
    used by two threads at once; FastAPI runs a request's sync dependencies and
    route on whichever pool thread is free, so the connection may move between
    threads (hence ``check_same_thread=False``).
    """
    # The folder holds accounts, workbooks and their values as typed: its owner's alone.
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    conn = sqlite3.connect(
        data_dir / DATABASE_NAME, timeout=30, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations not yet applied, each in one transaction; returns the schema version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, sql in migrations():
        if number <= version:
            continue
        try:
            # One transaction a migration: a failed one leaves the previous version whole.
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version = {number:d};\nCOMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        version = number
    return version


def now() -> str:
    """The current time as the database stores it: ISO 8601, UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
