"""Publication and revisions: freeze a quarter's figures, and say later which ones moved and why.

``publish`` records the figures of the warehouse's roll-up of a quarter
(nationally and for every community: the quarter, its fiscal year to date,
cumulative since 2009) in the publications store beside the warehouse,
``<warehouse>.publications`` (``store_path``). The warehouse itself is rebuilt
and swapped by every run (``connector_rollup.rollup.publish``); the store is never
rebuilt, only added to, so publications survive every run. Every build reads
the store into the warehouse (``store_inputs``, ``sql/09_publications.sql``),
where analysts find ``publications``, ``published_figures`` and
``revisions``; ``publish`` also rewrites those in the current warehouse, so
they are never behind the store.

A publication also keeps what its figures rested on (``sql/08_basis.sql``):
the workbooks counted, the Connector decisions in force and the records
already withdrawn, the last two by keyed hashes. A later roll-up compares
them with its own to name the reasons a figure moved.

Locks: a publication holds ``store_lock`` exclusively and the warehouse's
own lock (``warehouse.exclusive_lock``); the roll-up holds ``store_lock``
shared from reading the store to publishing its warehouse. So a publication
never lands between a run's reading of the store and its swap (it waits for
the swap), and never reads a warehouse being replaced.

The store holds figures and the names of those who published (an email, for
the portal's users): it is created owner-only. The warehouse shows who
published with emails and phone numbers masked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import getpass
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from connector_rollup.periods import Period
from connector_rollup.rollup import warehouse as wh

STORE_SUFFIX = ".publications"
# The store's tables and their columns, in order; each becomes input_<name> of a build.
STORE_TABLES: dict[str, tuple[str, ...]] = {
    "publications": ("publication_id", "period", "published_at", "published_by", "note", "run_id"),
    "published_figures": (
        "publication_id",
        "scope",
        "figure_period",
        "connectees",
        "connectors",
        "jobs",
    ),
    "publication_submissions": (
        "publication_id",
        "community_code",
        "period",
        "sha256",
        "submitted_on",
        "file_modified",
    ),
    "publication_decisions": ("publication_id", "decision_key"),
    "publication_withdrawn": ("publication_id", "community_code", "sheet", "record_key"),
}
_PUBLICATIONS_SQL = "09_publications.sql"


class PublicationError(ValueError):
    """A quarter could not be published; the message is one sentence saying why and what to do."""


class NoRollupError(PublicationError):
    """The warehouse holds no roll-up of the quarter asked for (or there is no warehouse)."""


def store_path(warehouse: str | os.PathLike[str]) -> Path:
    """The publications store of the warehouse at ``warehouse``: ``<warehouse>.publications``."""
    return Path(f"{warehouse}{STORE_SUFFIX}")


@contextlib.contextmanager
def store_lock(warehouse: str | os.PathLike[str], *, shared: bool = True) -> Iterator[None]:
    """Hold ``<warehouse>.publications.lock``: shared by roll-ups, exclusive by a publication.

    A roll-up holds it shared from building its warehouse (which reads the
    store) until that warehouse is swapped in; ``publish`` holds it
    exclusively, so it waits for such a roll-up to finish publishing.
    """
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    with open(f"{warehouse}{STORE_SUFFIX}.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


@cache
def _statements() -> dict[str, str]:
    """The named statements of ``sql/publication.sql`` (each after its ``-- name:`` line)."""
    text = (resources.files("connector_rollup.rollup") / "sql" / "publication.sql").read_text(
        encoding="utf-8"
    )
    parts = re.split(r"^-- name: (\w+)\n", text, flags=re.MULTILINE)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def store_inputs(warehouse: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """The store beside ``warehouse`` as a build's inputs: ``{table: frame}`` for every ``STORE_TABLES``.

    Empty frames when there is no store yet. ``published_by`` and ``note``
    are masked of emails and phone numbers (``warehouse.scrub``): the store
    keeps them whole for the secretariat, the warehouse is the analysts'.
    """
    store = store_path(warehouse)
    frames: dict[str, pd.DataFrame] = {}
    if store.is_file():
        with duckdb.connect(str(store), read_only=True) as con:
            for table, columns in STORE_TABLES.items():
                frames[table] = con.execute(
                    f"select {', '.join(columns)} from {table} order by all"
                ).df()
    else:
        frames = {
            table: pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})
            for table, columns in STORE_TABLES.items()
        }
        frames["publications"] = frames["publications"].astype(
            {"publication_id": "int64", "published_at": "datetime64[us]"}
        )
    people = frames["publications"]
    for column in ("published_by", "note"):
        people[column] = wh.scrub(people[column].fillna("").astype("str"))
    return frames


def publish(
    warehouse: str | os.PathLike[str], quarter: str, note: str = "", by: str | None = None
) -> dict:
    """Publish the figures of the warehouse's roll-up of ``quarter``; return what was published.

    ``quarter`` is a label like ``2024-25-Q4``; ``by`` is who publishes (the
    portal passes the user's email; default: this process's OS user);
    ``note`` is free text. Appends a publication to the store
    (``store_path``, created owner-only) with its figures and its basis, then
    rewrites the warehouse's ``publications``, ``published_figures`` and
    ``revisions`` from the store. Waits while a roll-up is building or
    swapping in this warehouse (``store_lock``).

    Returns ``{"period": str, "published_at": str (ISO 8601, UTC, "Z"),
    "published_by": str, "note": str, "run_id": str, "publication": int (its
    number in the store), "national": {figure_period: {"connectees": int,
    "connectors": int, "jobs": int}}, "communities": int (communities
    published)}``; the figure periods are the quarter, its fiscal year (to
    date) and ``"cumulative"``.

    Raises ``NoRollupError`` when there is no warehouse or it holds another
    quarter's roll-up, ``PublicationError`` when ``quarter`` is not a quarter
    or the warehouse was built by an earlier version: one sentence each.
    """
    path = Path(warehouse)
    period = Period.parse(quarter) if isinstance(quarter, str) else None
    if period is None:
        raise PublicationError(f"'{quarter}' is not a quarter: write it like 2024-25-Q4.")
    by = by if by else getpass.getuser()
    with store_lock(path, shared=False), wh.exclusive_lock(path):
        if not path.is_file():
            raise NoRollupError(
                f"There is no warehouse at {path}: run the roll-up for {period.label}, then publish it."
            )
        taken = _read_rollup(path, period)
        published_at = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
        number = _append(path, period, published_at, by, note or "", taken)
        refresh_warehouse(path)
    figures = taken["figures"]
    national = figures[figures["scope"] == "national"]
    return {
        "period": period.label,
        "published_at": published_at.isoformat() + "Z",
        "published_by": by,
        "note": note or "",
        "run_id": taken["run_id"],
        "publication": number,
        "national": {
            row.figure_period: {
                "connectees": int(row.connectees),
                "connectors": int(row.connectors),
                "jobs": int(row.jobs),
            }
            for row in national.itertuples()
        },
        "communities": int((figures["scope"] != "national").sum() // 3),
    }


def _read_rollup(path: Path, period: Period) -> dict:
    """The warehouse's figures and basis for ``period``; refuse another quarter's roll-up."""
    sql = _statements()
    with duckdb.connect(str(path), read_only=True) as con:
        try:
            ((built_for, run_id),) = con.execute(sql["run"]).fetchall()
            basis = {
                name: con.execute(sql[name]).df()
                for name in ("basis_submissions", "basis_decisions", "withdrawn")
            }
        except duckdb.Error:
            raise PublicationError(
                f"The warehouse {path} was built by an earlier version of connector-rollup: "
                f"run the roll-up for {period.label} again, then publish it."
            ) from None
        if built_for != period.label:
            raise NoRollupError(
                f"The warehouse {path} holds no roll-up of {period.label} (its roll-up is of "
                f"{built_for}): run the roll-up for {period.label}, then publish it."
            )
        figures = con.execute(sql["figures"]).df()
    return {"run_id": run_id, "figures": figures, **basis}


def _append(
    path: Path, period: Period, published_at: dt.datetime, by: str, note: str, taken: dict
) -> int:
    """Add one publication to the store (created owner-only), in one transaction; return its number."""
    store = store_path(path)
    new = not store.exists()
    con = duckdb.connect(str(store))
    try:
        if new:
            os.chmod(store, 0o600)  # before anything is written: it names who published
        wal = Path(f"{store}.wal")
        if not wal.exists():  # DuckDB would create its log with the default mode
            wh._create_private(wal)
        con.execute(_statements()["store_schema"])
        con.execute("begin transaction")
        (number,) = con.execute(
            "select coalesce(max(publication_id), 0) + 1 from publications"
        ).fetchone()
        con.execute(
            "insert into publications values (?, ?, ?, ?, ?, ?)",
            [number, period.label, published_at, by, note, taken["run_id"]],
        )
        for table, frame in (
            ("published_figures", taken["figures"]),
            ("publication_submissions", taken["basis_submissions"]),
            ("publication_decisions", taken["basis_decisions"]),
            ("publication_withdrawn", taken["withdrawn"]),
        ):
            columns = STORE_TABLES[table][1:]
            con.register("given", frame)
            con.execute(f"insert into {table} select ?, {', '.join(columns)} from given", [number])
            con.unregister("given")
        con.execute("commit")
        con.execute("checkpoint")
    finally:
        con.close()
    return number


def refresh_warehouse(warehouse: str | os.PathLike[str]) -> None:
    """Rewrite the warehouse's publication tables and views from the store, as one rename.

    A copy of the warehouse gets ``sql/09_publications.sql`` again with the
    store's contents, passes the warehouse's checks and replaces the
    warehouse (readers keep the file they opened). Its figures, its
    ``content_hash`` and so its pages file are unchanged. Hold
    ``warehouse.exclusive_lock`` (``publish`` does).
    """
    path = Path(warehouse)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        shutil.copyfile(path, temp)
        text = (resources.files("connector_rollup.rollup") / "sql" / _PUBLICATIONS_SQL).read_text(
            encoding="utf-8"
        )
        con = duckdb.connect(str(temp))
        try:
            inputs = store_inputs(path)
            for name, frame in inputs.items():
                con.register(f"input_{name}", frame)
            try:
                con.execute(text)
            except duckdb.Error as exc:
                raise wh.WarehouseError(f"{_PUBLICATIONS_SQL} failed: {exc}") from exc
            for name in inputs:
                con.unregister(f"input_{name}")
            wh.check_warehouse(con)
            con.execute("checkpoint")
        finally:
            con.close()
        wh._fsync(temp)
        Path(f"{path}.wal").unlink(missing_ok=True)
        os.replace(temp, path)
        wh._fsync(path.parent)
    finally:
        temp.unlink(missing_ok=True)
        Path(f"{temp}.wal").unlink(missing_ok=True)


def revised_periods(warehouse: str | os.PathLike[str]) -> set[str]:
    """The published quarters whose figures the warehouse's roll-up no longer gives: ``{"2024-25-Q4", ...}``.

    Read from the warehouse's ``revisions`` view (the latest publication of
    each quarter up to the roll-up's quarter). Empty when there is no
    warehouse, nothing was published, or the warehouse predates publication.
    """
    path = Path(warehouse)
    if not path.is_file():
        return set()
    with duckdb.connect(str(path), read_only=True) as con:
        try:
            return {p for (p,) in con.execute(_statements()["revised_periods"]).fetchall()}
        except duckdb.CatalogException:
            return set()


__all__ = [
    "NoRollupError",
    "PublicationError",
    "STORE_TABLES",
    "publish",
    "refresh_warehouse",
    "revised_periods",
    "store_inputs",
    "store_lock",
    "store_path",
]
