"""The DuckDB warehouse: the roll-up's figures and records, for analysts.

``build_warehouse`` pseudonymises the inputs, hands them to DuckDB as
connection-local relations ``input_<name>``, and runs the SQL files of
``connector_rollup/rollup/sql/`` in name order: macros, staging tables, then the
views of ``shared/spec/interfaces.md``. It then checks the warehouse's
identities (each figure is the sum of its quarters, every object commented)
and only then swaps the new file in place of the old one, atomically, under
an exclusive lock: a failed or concurrent run never leaves a broken file.

The same build writes the reports' other source, the pages file
(``pages_path``: ``<warehouse>.pages``, owner-only, ``sql/pages.sql``): the
workbooks' file names and each problem as a community's page quotes it,
values included. It is the secretariat's, never the analysts': nothing in it
reaches the warehouse. It is staged beside the staged warehouse and swapped
in with it (``swap_in``): the warehouse rename is the commit point for both.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import uuid
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from connector_rollup.contract import DATA_SHEETS, ID
from connector_rollup.messages import CELL_MESSAGES
from connector_rollup.periods import Period
from connector_rollup.processes import process_alive
from connector_rollup.registry import Community
from connector_rollup.rollup.identity import name_blocking_decision
from connector_rollup.rollup.pseudonym import DEMO_KEY, person_key, pseudonymise, record_key
from connector_rollup.rollup.summary import PAGE_PROBLEM_COLUMNS, PAGE_WORKBOOK_COLUMNS
from connector_rollup.values import fold

# The public views and their columns, in order (interfaces.md, v1).
INTERFACE_VIEWS: dict[str, tuple[str, ...]] = {
    "national_quarterly": ("period", "fiscal_year", "quarter", "connectees", "connectors", "jobs"),
    "national_fiscal_year": ("fiscal_year", "connectees", "connectors", "jobs"),
    "community_quarterly": (
        "community_code",
        "period",
        "fiscal_year",
        "quarter",
        "connectees",
        "connectors",
        "jobs",
    ),
    "submissions": (
        "community_code",
        "period",
        "file_name",
        "sha256",
        "submitted_on",
        "status",
        "rows_read",
        "rows_rejected",
        "reason",
    ),
    "validation_issues": (
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
    ),
    "job_outcomes": ("community_code", "person_key", "start_date", "qualifies", "reason"),
    # v2: publication and revisions (sql/09_publications.sql)
    "publications": ("period", "published_at", "published_by", "note", "run_id"),
    "published_figures": (
        "period",
        "published_at",
        "scope",
        "figure_period",
        "connectees",
        "connectors",
        "jobs",
    ),
    "revisions": (
        "period",
        "scope",
        "figure_period",
        "figure",
        "published",
        "current",
        "change",
        "reasons",
    ),
}

# What each input must hold, and the type it is read as. ``person_id`` is
# replaced by ``person_key`` before anything reaches DuckDB, the review's
# records by their record keys, and an ID quoted in an issue message by its
# key; input columns not listed here (connectee_id, employer, issue
# values...) are dropped.
_STR, _DATE, _BOOL, _INT = "str", "date", "bool", "int"
_INPUTS: dict[str, dict[str, str]] = {
    "events": {
        "measure": _STR,
        "scope": _STR,
        "community_code": _STR,
        "person_id": _STR,
        "event_date": _DATE,
    },
    "job_outcomes": {
        "community_code": _STR,
        "person_id": _STR,
        "start_date": _DATE,
        "qualifies": _BOOL,
        "reason": _STR,
    },
    "submissions": {
        "community_code": _STR,
        "period": _STR,
        "file_name": _STR,
        "sha256": _STR,
        "submitted_on": _DATE,
        "status": _STR,
        "rows_read": _INT,
        "rows_rejected": _INT,
        "reason": _STR,
        "tracks_jobs": _BOOL,
        "language": _STR,
    },
    "issues": {
        "file_name": _STR,
        "community_code": _STR,
        "period": _STR,
        "sheet": _STR,
        "row": _INT,
        "column": _STR,
        "cell": _STR,
        "severity": _STR,
        "code": _STR,
        "message": _STR,
    },
    "review": {"record_a": _STR, "record_b": _STR, "reason": _STR, "detail": _STR, "decided": _STR},
}
# What the figures rest on (summary.basis_frames), as it reaches DuckDB: decisions and
# withdrawn records by keyed hashes (sql/08_basis.sql).
BASIS_COLUMNS: dict[str, tuple[str, ...]] = {
    "submissions": ("community_code", "period", "sha256", "submitted_on", "file_modified"),
    "decisions": ("record_a", "record_b", "decision"),
    "withdrawn": ("community_code", "sheet", "record"),
}
# The pages file's inputs (summary.page_workbooks_frame, summary.page_problems_frame):
# objects as they are, so that an empty string stays one (the pages quote it exactly).
_PAGE_INPUTS: dict[str, tuple[str, ...]] = {
    "page_workbooks": tuple(PAGE_WORKBOOK_COLUMNS),
    "page_problems": tuple(PAGE_PROBLEM_COLUMNS),
}
PAGES_SUFFIX = ".pages"
# Free-text columns scrubbed of anything shaped like an email or a phone
# number, in case one slipped into a message: the warehouse holds none.
_FREE_TEXT = {
    "submissions": ("reason",),
    "issues": ("message",),
    "review": ("reason", "detail"),
}
# The headers of the ID columns, folded as the reader folds them (every sheet, both
# languages): an issue in such a column quotes an ID, which may be an email or a phone.
_ID_HEADERS = frozenset(
    fold(label)
    for sheet in DATA_SHEETS
    for column in sheet.columns
    if column.type == ID
    for label in (column.key, column.english, column.french)
)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*")
_PHONE = re.compile(r"(?<!\w)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)")


class WarehouseError(RuntimeError):
    """The warehouse could not be built or failed one of its checks; the old one is kept."""


def sql_files() -> list[tuple[str, str]]:
    """The SQL files that build the warehouse, as (name, text), in the order they run."""
    folder = resources.files("connector_rollup.rollup") / "sql"
    names = sorted(p.name for p in folder.iterdir() if re.fullmatch(r"\d\d_\w+\.sql", p.name))
    return [(name, (folder / name).read_text(encoding="utf-8")) for name in names]


def build_warehouse(
    path: str | os.PathLike[str],
    *,
    quarter: Period,
    events: pd.DataFrame,
    job_outcomes: pd.DataFrame,
    submissions: pd.DataFrame,
    issues: pd.DataFrame,
    review: pd.DataFrame,
    quality: Mapping[str, object],
    registry: Mapping[str, Community],
    key: bytes,
    page_workbooks: pd.DataFrame | None = None,
    page_problems: pd.DataFrame | None = None,
    basis: Mapping[str, pd.DataFrame] | None = None,
    run_id: str | None = None,
) -> None:
    """Build the warehouse for ``quarter`` at ``path``, replacing any previous one atomically.

    ``key`` pseudonymises person ids (``pseudonym.load_key``); when it is the
    public demo key, ``run_info.demo_key`` says so and the report repeats it.
    ``page_workbooks`` and ``page_problems`` (``summary.page_workbooks_frame``,
    ``summary.page_problems_frame``) go to the pages file beside it
    (``pages_path``), replaced with it; without them the reports name
    workbooks by their content labels and quote no values.
    ``basis`` (``summary.basis_frames``: the effective workbooks, the decisions
    in force, the withdrawn records) is what a publication snapshots, so that
    a later build can say why a published figure moved; without it, no reason
    can be named. ``run_id`` names the run (the flow passes its Prefect flow
    run id; default ``build-`` and the start of the content hash). The
    publications store beside ``path`` (``publication.store_path``), when
    there is one, is read into the ``publications``, ``published_figures``
    and ``revisions`` views.
    The roll-up itself stages the warehouse (``stage_warehouse``) and swaps it
    in together with its reports (``publish.publish``); this is the warehouse alone.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(path):  # two builds of one warehouse never interleave
        temp = stage_warehouse(
            path,
            quarter=quarter,
            events=events,
            job_outcomes=job_outcomes,
            submissions=submissions,
            issues=issues,
            review=review,
            quality=quality,
            registry=registry,
            key=key,
            page_workbooks=page_workbooks,
            page_problems=page_problems,
            basis=basis,
            run_id=run_id,
        )
        try:
            swap_in(temp, path)
        finally:
            discard(temp)


def stage_warehouse(
    path: str | os.PathLike[str],
    *,
    page_workbooks: pd.DataFrame | None = None,
    page_problems: pd.DataFrame | None = None,
    **inputs,
) -> Path:
    """Build and check the warehouse in a temporary file beside ``path``; return that file.

    Takes ``build_warehouse``'s keyword arguments. Reads the publications
    store beside ``path``: hold ``publication.store_lock(path)`` (shared)
    from here until the staged file is swapped in, so that no publication is
    made in between and left out of it. ``path`` itself is not
    touched: ``swap_in`` makes the staged file the warehouse, ``discard``
    removes it. The name ``.<name>.<pid>.<hex>.tmp`` carries the process id so
    that a later run can tell a killed run's leftover (``leftovers``) from a
    concurrent run's file. Its pages file is staged beside it
    (``pages_path(temp)``). On any failure both temporary files are removed.
    """
    from connector_rollup.rollup import publication  # it builds on this module

    path = Path(path)
    prepared = _prepare_inputs(**inputs)
    pages = _page_inputs(page_workbooks, page_problems, prepared["run"])
    # Not part of the content hash: the store changes when a quarter is published, not the figures.
    prepared.update(publication.store_inputs(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        _build(temp, prepared)
        _fsync(temp)
        _build_pages(pages_path(temp), pages)
        _fsync(pages_path(temp))
    except BaseException:  # a signal too: never leave a half-built file behind
        discard(temp)
        raise
    return temp


def pages_path(path: str | os.PathLike[str]) -> Path:
    """The pages file of the warehouse (or staged warehouse) at ``path``: ``<path>.pages``.

    The secretariat's, not the analysts': the file names and the problems with
    the values the communities typed, which only the reports read (``sql/pages.sql``).
    """
    return Path(f"{path}{PAGES_SUFFIX}")


def _previous_pages(temp: Path) -> Path:
    """Where ``swap_in`` keeps the previous pages file until the warehouse rename.

    Empty when there was no previous pages file (a DuckDB file never is).
    """
    return Path(f"{temp}{PAGES_SUFFIX}.prev")


def _final(temp: Path) -> Path:
    """The warehouse a staged file ``.<name>.<pid>.<hex>.tmp`` is for."""
    match = re.fullmatch(r"\.(.+)\.\d+\.[0-9a-f]{8}\.tmp", temp.name)
    if match is None:
        raise ValueError(f"{temp} is not a staged warehouse file.")
    return temp.with_name(match.group(1))


def swap_in(temp: Path, path: Path) -> None:
    """Make the staged ``temp`` and its pages file the warehouse at ``path`` and its pages file.

    Hold ``exclusive_lock(path)``. The previous pages file is kept aside
    (``_previous_pages``) until the warehouse rename, the commit point; until
    then ``discard(temp)`` puts it back. Then it is removed.
    """
    temp, path = Path(temp), Path(path)
    # A stale write-ahead log of the old file would be replayed onto the new one.
    Path(f"{path}.wal").unlink(missing_ok=True)
    pages, previous = pages_path(path), _previous_pages(temp)
    Path(f"{pages}.wal").unlink(missing_ok=True)
    if pages.exists():
        os.replace(pages, previous)
    else:
        _create_private(previous)  # empty: there was none
    if pages_path(temp).exists():
        os.replace(pages_path(temp), pages)
    os.replace(temp, path)  # the commit point
    _fsync(path.parent)
    previous.unlink(missing_ok=True)


def discard(temp: Path) -> None:
    """Remove a staged warehouse and its pages file, if they are still there; undo a cut ``swap_in``.

    While the staged warehouse exists it was not swapped in: a previous pages
    file that ``swap_in`` set aside goes back (none, if it was empty).
    """
    temp = Path(temp)
    previous = _previous_pages(temp)
    if previous.exists() and temp.exists():
        pages = pages_path(_final(temp))
        if previous.stat().st_size:
            os.replace(previous, pages)
        else:
            pages.unlink(missing_ok=True)
    staged_pages = pages_path(temp)
    for leftover in (temp, Path(f"{temp}.wal"), staged_pages, Path(f"{staged_pages}.wal")):
        leftover.unlink(missing_ok=True)
    previous.unlink(missing_ok=True)


def leftovers(path: str | os.PathLike[str]) -> list[Path]:
    """Staged files beside the warehouse ``path`` whose run is no longer alive (a killed run's)."""
    path = Path(path)
    pattern = re.compile(
        rf"\.{re.escape(path.name)}\.(\d+)\.[0-9a-f]{{8}}\.tmp(\.pages(\.prev)?)?(\.wal)?"
    )
    found = []
    for entry in path.parent.glob(f".{path.name}.*.tmp*"):
        match = pattern.fullmatch(entry.name)
        if match and not process_alive(int(match.group(1))):
            found.append(entry)
    return sorted(found)


def _build(temp: Path, inputs: dict[str, pd.DataFrame]) -> None:
    con = duckdb.connect(str(temp))
    try:
        for name, frame in inputs.items():
            con.register(f"input_{name}", frame)
        for name, text in sql_files():
            try:
                con.execute(text)
            except duckdb.Error as exc:
                raise WarehouseError(f"{name} failed: {exc}") from exc
        for name in inputs:
            con.unregister(f"input_{name}")
        check_warehouse(con)
        con.execute("checkpoint")
    finally:
        con.close()


def _build_pages(path: Path, inputs: dict[str, pd.DataFrame]) -> None:
    """Write the pages file at ``path``, owner-only from its first byte of data on."""
    con = duckdb.connect(str(path))  # the file holds only DuckDB's header yet
    try:
        os.chmod(path, 0o600)
        # DuckDB writes data through a write-ahead log it creates with the default mode;
        # one made owner-only beforehand is the one it uses.
        _create_private(Path(f"{path}.wal"))
        for name, frame in inputs.items():
            con.register(f"input_{name}", frame)
        text = (resources.files("connector_rollup.rollup") / "sql" / "pages.sql").read_text(
            encoding="utf-8"
        )
        try:
            con.execute(text)
        except duckdb.Error as exc:
            raise WarehouseError(f"pages.sql failed: {exc}") from exc
        for name in inputs:
            con.unregister(f"input_{name}")
        uncommented = con.execute(_CHECKS["every table, view and column has a comment"]).fetchall()
        if uncommented:
            raise WarehouseError(f"The pages file has objects without a comment: {uncommented}")
        con.execute("checkpoint")
    finally:
        con.close()


def _create_private(path: Path) -> None:
    """Create ``path`` empty, readable and writable by its owner only."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


# --- checks -----------------------------------------------------------------

# Each query returns the rows that break the rule; none is the expected answer.
_CHECKS: dict[str, str] = {
    "each person counts at most once per measure, scope and community": """
        select measure, scope, community_code, person_key, count(*) as n
        from stg_events
        group by all
        having count(*) > 1
    """,
    "national cumulative = sum of national quarterly": """
        with direct as (
            select measure, count(distinct person_key) as people
            from stg_events where scope = 'national' group by measure
        ),
        summed as (
            unpivot (select sum(connectees) as connectees, sum(connectors) as connectors,
                            sum(jobs) as jobs from national_quarterly)
            on connectees, connectors, jobs into name measure value people
        )
        select summed.measure, summed.people, coalesce(direct.people, 0) as direct
        from summed left join direct using (measure)
        where summed.people <> coalesce(direct.people, 0)
    """,
    "fiscal-year figure = sum of its quarters": """
        with summed as (
            select fiscal_year, sum(connectees) as connectees, sum(connectors) as connectors,
                   sum(jobs) as jobs
            from national_quarterly group by fiscal_year
        )
        select *
        from national_fiscal_year full join summed using (fiscal_year)
        where national_fiscal_year.connectees is distinct from summed.connectees
           or national_fiscal_year.connectors is distinct from summed.connectors
           or national_fiscal_year.jobs is distinct from summed.jobs
    """,
    "community cumulative = sum of community quarterly": """
        with direct as (
            select community_code, measure, count(distinct person_key) as people
            from stg_events where scope = 'community' group by all
        ),
        summed as (
            unpivot (select community_code, sum(connectees) as connectees,
                            sum(connectors) as connectors, sum(jobs) as jobs
                     from community_quarterly group by community_code)
            on connectees, connectors, jobs into name measure value people
        )
        select *
        from direct left join summed using (community_code, measure)
        where summed.people is distinct from direct.people
    """,
    "every community with figures is registered": """
        select distinct community_code from stg_events
        where scope = 'community'
          and community_code not in (select code from stg_communities)
        union
        select distinct community_code from stg_job_outcomes
        where community_code not in (select code from stg_communities)
    """,
    "at most one accepted workbook per community and quarter": """
        select community_code, period, count(*) as n
        from stg_submissions where status = 'accepted'
        group by all having count(*) > 1
    """,
    "every table, view and column has a comment": """
        select table_name as object, null as column_name from duckdb_tables()
        where not internal and coalesce(comment, '') = ''
        union all
        select view_name, null from duckdb_views()
        where not internal and coalesce(comment, '') = ''
        union all
        select table_name, column_name from duckdb_columns()
        where not internal and coalesce(comment, '') = ''
    """,
}


def check_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Raise WarehouseError when a built warehouse breaks one of its identities or contracts."""
    problems = []
    for rule, query in _CHECKS.items():
        rows = con.execute(query).fetchall()
        if rows:
            shown = "; ".join(str(r) for r in rows[:5])
            problems.append(f"{rule}: {len(rows)} violation(s), e.g. {shown}")
    for view, columns in INTERFACE_VIEWS.items():
        found = tuple(r[0] for r in con.execute(f'describe "{view}"').fetchall())
        if found != columns:
            problems.append(f"view {view} has columns {found}, interfaces.md says {columns}")
    if problems:
        raise WarehouseError("The warehouse failed its checks: " + " | ".join(problems))


# --- inputs -------------------------------------------------------------------


def _prepare_inputs(
    *,
    quarter,
    events,
    job_outcomes,
    submissions,
    issues,
    review,
    quality,
    registry,
    key,
    basis=None,
    run_id=None,
) -> dict[str, pd.DataFrame]:
    frames = {
        "events": _typed(events, "events"),
        "job_outcomes": _typed(job_outcomes, "job_outcomes"),
        "submissions": _typed(submissions, "submissions"),
        "issues": _typed(issues, "issues"),
        "review": _typed(review, "review"),
    }
    # Some communities use emails or phone numbers as IDs: no raw ID reaches an analyst.
    frames["issues"]["message"] = _issue_messages_keyed(issues, frames["issues"], key)
    frames["review"] = _review_keyed(review, frames["review"], key)
    for name in ("events", "job_outcomes"):
        frame = frames[name]
        position = frame.columns.get_loc("person_id")
        person_keys = pseudonymise(frame.pop("person_id"), key)
        frame.insert(position, "person_key", person_keys)
    for name, columns in _FREE_TEXT.items():
        for column in columns:
            frames[name][column] = scrub(frames[name][column])
    frames["quality"] = _quality_frame(quality)
    frames["communities"] = pd.DataFrame(
        {
            "code": pd.Series([c.code for c in registry.values()], dtype="str"),
            "name": pd.Series([c.name for c in registry.values()], dtype="str"),
            "province": pd.Series([c.province for c in registry.values()], dtype="str"),
            "joined_on": pd.to_datetime(pd.Series([c.joined_on for c in registry.values()])),
            "language": pd.Series([c.language for c in registry.values()], dtype="str"),
            "eligible_categories": pd.Series(
                [";".join(sorted(c.eligible_categories)) for c in registry.values()], dtype="str"
            ),
        }
    ).sort_values("code", ignore_index=True)
    digest = hashlib.sha256(str(quarter).encode())
    for name, frame in frames.items():
        digest.update(f"\n[{name}]\n".encode())
        digest.update(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    frames["run"] = pd.DataFrame(
        {
            "period": [quarter.label],
            "first_day": pd.to_datetime([quarter.first_day]),
            "last_day": pd.to_datetime([quarter.last_day]),
            "demo_key": [key == DEMO_KEY],
            "content_hash": [digest.hexdigest()],
            "run_id": [run_id or f"build-{digest.hexdigest()[:16]}"],
        }
    )
    # Not in the content hash: the files' times change when they are copied, not the figures.
    frames.update(_basis_inputs(basis or {}, key))
    return frames


def _basis_inputs(basis: Mapping[str, pd.DataFrame], key: bytes) -> dict[str, pd.DataFrame]:
    """``summary.basis_frames`` as the warehouse holds it: decisions and withdrawn records keyed.

    A decision's key is the ``person_key`` of ``decision|A|B|same`` (records
    in order, so A-B and B-A are one decision); a withdrawn record's is the
    ``person_key`` of ``sheet|record``. Missing frames are empty.
    """
    given = {}
    for name, columns in BASIS_COLUMNS.items():
        frame = basis.get(name)
        if frame is None:
            frame = pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise WarehouseError(
                f"The basis {name} input lacks the column(s) {', '.join(missing)}."
            )
        given[name] = frame[list(columns)].reset_index(drop=True)
    submissions = given["submissions"]
    decisions = given["decisions"]
    withdrawn = given["withdrawn"]
    decision_keys = [
        person_key("decision|" + "|".join(sorted((str(a), str(b)))) + f"|{verdict}", key)
        for a, b, verdict in zip(
            decisions["record_a"], decisions["record_b"], decisions["decision"], strict=True
        )
    ]
    return {
        "basis_submissions": pd.DataFrame(
            {
                "community_code": submissions["community_code"].astype("str"),
                "period": submissions["period"].astype("str"),
                "sha256": submissions["sha256"].astype("str"),
                "submitted_on": pd.to_datetime(submissions["submitted_on"]),
                "file_modified": pd.to_datetime(submissions["file_modified"]),
            }
        ),
        "basis_decisions": pd.DataFrame({"decision_key": pd.Series(decision_keys, dtype="str")}),
        "withdrawn": pd.DataFrame(
            {
                "community_code": withdrawn["community_code"].astype("str"),
                "sheet": withdrawn["sheet"].astype("str"),
                "record_key": pd.Series(
                    [
                        person_key(f"{sheet}|{record}", key)
                        for sheet, record in zip(
                            withdrawn["sheet"], withdrawn["record"], strict=True
                        )
                    ],
                    dtype="str",
                ),
            }
        ),
    }


def _page_inputs(
    page_workbooks: pd.DataFrame | None, page_problems: pd.DataFrame | None, run: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The pages file's inputs, their columns in order; none given, none there."""
    frames = {"run": run[["period", "content_hash"]]}
    for name, frame in (("page_workbooks", page_workbooks), ("page_problems", page_problems)):
        columns = list(_PAGE_INPUTS[name])
        if frame is None:
            frame = pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise WarehouseError(f"The {name} input lacks the column(s) {', '.join(missing)}.")
        frames[name] = frame[columns].reset_index(drop=True)
    return frames


def _typed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The input's contract columns, in order, each read as its type."""
    spec = _INPUTS[name]
    missing = [c for c in spec if c not in frame.columns]
    if missing:
        raise WarehouseError(f"The {name} input lacks the column(s) {', '.join(missing)}.")
    out = {}
    for column, kind in spec.items():
        values = frame[column].reset_index(drop=True)
        if kind == _STR:
            values = values.astype("str")
        elif kind == _DATE:
            values = pd.to_datetime(values).dt.normalize()
        elif kind == _BOOL:
            values = values.astype("boolean")
        else:
            values = values.astype("Int64")
        out[column] = values
    return pd.DataFrame(out, columns=list(spec))


def _issue_messages_keyed(raw: pd.DataFrame, issues: pd.DataFrame, key: bytes) -> pd.Series:
    """The issues' messages, the ID quoted by an issue in an ID column replaced by its key.

    The key is ``[key <person_key of CODE:ID>]``: for a Connectee the same as
    their ``job_outcomes.person_key``, for a Connector the end of their record
    key in ``review_list``. ``raw`` is the input, whose ``value`` column holds
    the value each message quotes.
    """
    if "value" not in raw.columns:
        raise WarehouseError(
            "The issues input lacks the column value (the value each message quotes)."
        )
    raw = raw.reset_index(drop=True)
    messages = issues["message"].copy()
    for i, (value, column, community) in enumerate(
        zip(raw["value"], raw["column"], raw["community_code"], strict=True)
    ):
        if not isinstance(value, str) or not value.strip() or not isinstance(column, str):
            continue
        if fold(column) not in _ID_HEADERS:
            continue
        record = value.strip()
        if isinstance(community, str) and community.strip():
            record = f"{community.strip()}:{record}"  # the record's name, as counting and identity form it
        pseudonym = f"[key {person_key(record, key)}]"
        messages.iloc[i] = _replace_quoted(
            messages.iloc[i], value, issues["code"].iloc[i], pseudonym
        )
    return messages


def _replace_quoted(message: str, value: str, code: str, replacement: str) -> str:
    """``message`` with the ``value`` it quotes replaced.

    Where the message is one of the catalogue's sentences, the value sits right
    after the sentence's fixed opening ("The ID "), so exactly that spot is
    replaced (an ID "1" leaves "rows 1, 5" alone). Otherwise every occurrence
    that is not part of a longer word is.
    """
    for template in CELL_MESSAGES.get(code, ((), ()))[0]:
        opening, marker, _ = template.partition("{value}")
        if marker and "{" not in opening and message.startswith(opening + value):
            return message[: len(opening)] + replacement + message[len(opening) + len(value) :]
    left = r"(?<!\w)" if re.match(r"\w", value[:1]) else ""
    right = r"(?!\w)" if re.match(r"\w", value[-1:]) else ""
    return re.sub(left + re.escape(value) + right, lambda _: replacement, message)


def _review_keyed(raw: pd.DataFrame, review: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """The review list with every record (``CODE:connector_id``) replaced by its record key.

    A blocked pair's detail names the blocking decision by its records' keys
    (``raw``'s optional ``decision_a``/``decision_b``).
    """
    review = review.copy()
    keyed = {
        r: record_key(r, key) for r in pd.concat([review["record_a"], review["record_b"]]).unique()
    }
    for column in ("record_a", "record_b"):
        review[column] = review[column].map(keyed).astype("str")
    if {"decision_a", "decision_b"} <= set(raw.columns):
        pairs = zip(
            raw["decision_a"].fillna("").astype("str"),
            raw["decision_b"].fillna("").astype("str"),
            strict=True,
        )
        review["detail"] = [
            name_blocking_decision(detail, record_key(a, key), record_key(b, key))
            if a and b
            else detail
            for detail, (a, b) in zip(review["detail"], pairs, strict=True)
        ]
        review["detail"] = review["detail"].astype("str")
    return review


def _quality_frame(quality: Mapping[str, object]) -> pd.DataFrame:
    """``{metric: n}`` and ``{group: {item: n}}`` flattened to (metric, value) rows."""
    rows = []
    for metric, value in quality.items():
        if isinstance(value, Mapping):
            rows += [(f"{metric}.{item}", int(n)) for item, n in value.items()]
        else:
            rows.append((str(metric), int(value)))
    rows.sort()
    return pd.DataFrame(
        {
            "metric": pd.Series([m for m, _ in rows], dtype="str"),
            "value": pd.Series([v for _, v in rows], dtype="Int64"),
        }
    )


def scrub(text: pd.Series) -> pd.Series:
    """Free text with anything shaped like an email or a phone number masked."""
    masked = text.str.replace(_EMAIL, "[email]", regex=True)
    return masked.str.replace(_PHONE, "[phone]", regex=True)


# --- files ------------------------------------------------------------------


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` so two builds (or publications) never interleave."""
    with open(f"{path}.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def content_hash(path: str | os.PathLike[str]) -> str:
    """The content hash of the inputs a warehouse was built from (``run_info``)."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select content_hash from run_info").fetchone()[0]


__all__ = [
    "INTERFACE_VIEWS",
    "WarehouseError",
    "build_warehouse",
    "check_warehouse",
    "content_hash",
    "discard",
    "exclusive_lock",
    "leftovers",
    "pages_path",
    "scrub",
    "sql_files",
    "stage_warehouse",
    "swap_in",
]
