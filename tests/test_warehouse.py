"""The warehouse: given a few literal events, expect exact figures; privacy, comments, atomicity."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import shutil
import stat
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from connector_rollup.periods import Period
from connector_rollup.registry import Community
from connector_rollup.rollup import warehouse
from connector_rollup.rollup.pseudonym import DEMO_KEY, load_key, person_key, pseudonymise
from connector_rollup.rollup.warehouse import WarehouseError, build_warehouse

NA = pd.NA
QUARTER = Period(2024, 1)  # 2024-25-Q1: April to June 2024

# Personal data that is in the inputs and must be nowhere in the warehouse.
AMELIE = "email:amelie.tremblay@example.ca"
RAJ = "name:Raj Patel|phone:902-555-0101"
LIN = "email:lin.zhou@example.org"
KOFI = "name:Kofi Mensah|email:kofi@mensah.example"
LATE = "email:late.comer@example.com"
PERSONAL = [
    "amelie",
    "tremblay",
    "raj patel",
    "patel",
    "lin.zhou",
    "kofi",
    "mensah",
    "late.comer",
    "@example",
    "555-0101",
    "5550101",
    "9025550101",
]


def community(code: str, name: str, joined: dt.date = dt.date(2009, 1, 1)) -> Community:
    return Community(code, name, code[:2], frozenset({"newcomer"}), joined)


REGISTRY = {
    c.code: c
    for c in [
        community("NS-HFX", "Halifax"),
        community("ON-OTT", "Ottawa"),
        community("BC-VIC", "Victoria", dt.date(2024, 4, 1)),
    ]
}


def events_frame(rows: list[tuple]) -> pd.DataFrame:
    measure, scope, code, person, day = zip(*rows) if rows else ((),) * 5
    return pd.DataFrame(
        {
            "measure": pd.Series(measure, dtype="str"),
            "scope": pd.Series(scope, dtype="str"),
            "community_code": pd.Series(code, dtype="str"),
            "person_id": pd.Series(person, dtype="str"),
            "event_date": pd.to_datetime(pd.Series(day, dtype="str")),
        }
    )


EVENTS = [
    # national: each person once
    ("connectees", "national", NA, AMELIE, "2023-08-15"),  # 2023-24-Q2
    ("connectees", "national", NA, RAJ, "2024-03-31"),  # 2023-24-Q4, last day before April
    ("connectees", "national", NA, LIN, "2024-04-01"),  # 2024-25-Q1, first day of the year
    ("connectors", "national", NA, KOFI, "2024-01-02"),  # 2023-24-Q4 (January is Q4)
    ("jobs", "national", NA, AMELIE, "2024-06-30"),  # 2024-25-Q1, last day of the quarter
    ("connectees", "national", NA, LATE, "2024-07-01"),  # after the roll-up quarter: never counts
    # communities: each person once in each community
    ("connectees", "community", "NS-HFX", AMELIE, "2023-08-15"),
    ("connectees", "community", "NS-HFX", RAJ, "2024-03-31"),
    ("connectors", "community", "NS-HFX", KOFI, "2024-01-02"),
    ("jobs", "community", "NS-HFX", AMELIE, "2024-06-30"),
    ("connectees", "community", "ON-OTT", AMELIE, "2024-02-01"),
    ("connectees", "community", "ON-OTT", LIN, "2024-04-01"),
    ("connectors", "community", "ON-OTT", KOFI, "2024-05-05"),
]


def inputs(**overrides) -> dict:
    """The keyword arguments of build_warehouse for a small literal roll-up."""
    base = dict(
        quarter=QUARTER,
        events=events_frame(EVENTS),
        job_outcomes=pd.DataFrame(
            {
                "community_code": ["NS-HFX", "NS-HFX", "ON-OTT"],
                "connectee_id": ["1001", "1002", "A7"],
                "person_id": [AMELIE, RAJ, LIN],
                "employer": ["Tremblay Engineering", "Patel Foods", "Zhou & Co"],
                "start_date": pd.to_datetime(["2024-06-30", "2024-05-01", "2024-06-01"]),
                "qualifies": [True, False, False],
                "reason": pd.Series([NA, "not_in_field", "noc_lower_teer"], dtype="str"),
            }
        ),
        submissions=pd.DataFrame(
            {
                "community_code": pd.Series(["NS-HFX", "NS-HFX", "ON-OTT", NA], dtype="str"),
                "period": pd.Series(["2024-25-Q1", "2024-25-Q1", "2023-24-Q4", NA], dtype="str"),
                "file_name": ["hfx-q1.xlsx", "hfx-q1-v2.xlsx", "ott-q4.xlsx", "scan.xlsx"],
                "sha256": ["a" * 64, "b" * 64, "c" * 64, "d" * 64],
                "submitted_on": pd.to_datetime(["2024-07-03", "2024-07-10", "2024-04-05", None]),
                "status": ["superseded", "accepted", "accepted", "rejected"],
                "rows_read": pd.array([12, 14, 9, 0], dtype="Int64"),
                "rows_rejected": pd.array([2, 1, 0, 0], dtype="Int64"),
                "reason": ["replaced by hfx-q1-v2.xlsx", "", "", "not a readable .xlsx workbook"],
                "tracks_jobs": pd.array([True, True, False, NA], dtype="boolean"),
                "language": ["en", "en", "fr", "en"],
            }
        ),
        issues=pd.DataFrame(
            {
                "file_name": ["hfx-q1-v2.xlsx", "scan.xlsx"],
                "community_code": pd.Series(["NS-HFX", NA], dtype="str"),
                "period": pd.Series(["2024-25-Q1", NA], dtype="str"),
                "sheet": pd.Series(["Connectees", NA], dtype="str"),
                "row": pd.array([7, NA], dtype="Int64"),
                "column": pd.Series(["Email", NA], dtype="str"),
                "cell": pd.Series(["D7", NA], dtype="str"),
                "severity": ["error", "error"],
                "code": ["bad_email", "unreadable_file"],
                # A message that slipped an email through: the warehouse masks it.
                "message": [
                    "D7 holds amelie.tremblay@example, which is not an email address like "
                    "name@domain.ca; write one address.",
                    "Not a readable .xlsx workbook.",
                ],
                "value": ["***", NA],
            }
        ),
        review=pd.DataFrame(
            {
                "record_a": ["NS-HFX:C001"],
                "record_b": ["ON-OTT:K17"],
                "reason": ["shared_email"],
                "detail": ["Same email address but different last names; call 902-555-0101?"],
                "decided": [""],
            }
        ),
        quality={
            "rows_read": 35,
            "rows_rejected_by_code": {"bad_email": 1, "required_blank": 2},
            "withdrawn": {"connectees": 1, "connectors": 0, "jobs": 0},
            "connector_records": 3,
            "connector_persons": 2,
            "merged_records": 1,
            "jobs_excluded_by_reason": {"not_in_field": 1, "noc_lower_teer": 1},
        },
        registry=REGISTRY,
        key=b"test-key",
    )
    base.update(overrides)
    return base


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One warehouse for the tests that only read it."""
    path = tmp_path_factory.mktemp("shared") / "warehouse.duckdb"
    build_warehouse(path, **inputs())
    return path


@pytest.fixture
def built(shared, tmp_path):
    """A warehouse of this test's own, for the tests that try to replace it."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(shared, path)
    shutil.copyfile(warehouse.pages_path(shared), warehouse.pages_path(path))
    return path


@pytest.fixture
def con(shared):
    connection = duckdb.connect(str(shared), read_only=True)
    yield connection
    connection.close()


def rows(con, query: str) -> list[tuple]:
    return con.execute(query).fetchall()


# --- given/expect: the figures ---------------------------------------------------


def test_national_quarterly_has_every_quarter_with_zeros(con):
    assert rows(con, "select * from national_quarterly order by period") == [
        ("2023-24-Q2", "2023-24", 2, 1, 0, 0),
        ("2023-24-Q3", "2023-24", 3, 0, 0, 0),
        ("2023-24-Q4", "2023-24", 4, 1, 1, 0),
        ("2024-25-Q1", "2024-25", 1, 1, 0, 1),
    ]


def test_national_fiscal_year(con):
    assert rows(con, "select * from national_fiscal_year order by fiscal_year") == [
        ("2023-24", 2, 1, 0),
        ("2024-25", 1, 0, 1),
    ]


def test_community_quarterly_one_row_per_community_and_quarter(con):
    assert rows(con, "select * from community_quarterly order by community_code, period") == [
        ("BC-VIC", "2023-24-Q2", "2023-24", 2, 0, 0, 0),
        ("BC-VIC", "2023-24-Q3", "2023-24", 3, 0, 0, 0),
        ("BC-VIC", "2023-24-Q4", "2023-24", 4, 0, 0, 0),
        ("BC-VIC", "2024-25-Q1", "2024-25", 1, 0, 0, 0),
        ("NS-HFX", "2023-24-Q2", "2023-24", 2, 1, 0, 0),
        ("NS-HFX", "2023-24-Q3", "2023-24", 3, 0, 0, 0),
        ("NS-HFX", "2023-24-Q4", "2023-24", 4, 1, 1, 0),
        ("NS-HFX", "2024-25-Q1", "2024-25", 1, 0, 0, 1),
        ("ON-OTT", "2023-24-Q2", "2023-24", 2, 0, 0, 0),
        ("ON-OTT", "2023-24-Q3", "2023-24", 3, 0, 0, 0),
        ("ON-OTT", "2023-24-Q4", "2023-24", 4, 1, 0, 0),
        ("ON-OTT", "2024-25-Q1", "2024-25", 1, 1, 1, 0),
    ]


def test_rollup_figures_quarter_fytd_cumulative(con):
    assert rows(con, "select * from rollup_figures where level = 'national'") == [
        # measure, this quarter, a year earlier, fiscal year to date, cumulative
        ("national", None, "connectees", 1, 0, 1, 3),
        ("national", None, "connectors", 0, 0, 0, 1),
        ("national", None, "jobs", 1, 0, 1, 1),
    ]
    assert rows(con, "select * from rollup_figures where community_code = 'ON-OTT'") == [
        ("community", "ON-OTT", "connectees", 1, 0, 1, 2),
        ("community", "ON-OTT", "connectors", 1, 0, 1, 1),
        ("community", "ON-OTT", "jobs", 0, 0, 0, 0),
    ]


def test_no_events_gives_the_roll_up_quarter_alone(tmp_path):
    path = tmp_path / "w.duckdb"
    build_warehouse(path, **inputs(events=events_frame([])))
    with duckdb.connect(str(path), read_only=True) as con:
        assert rows(con, "select * from national_quarterly") == [
            ("2024-25-Q1", "2024-25", 1, 0, 0, 0)
        ]
        assert rows(con, "select * from national_fiscal_year") == [("2024-25", 0, 0, 0)]
        assert rows(con, "select count(*) from community_quarterly") == [(3,)]


def test_period_macro_agrees_with_python_across_boundaries():
    con = duckdb.connect()
    con.execute(dict(warehouse.sql_files())["01_macros.sql"])
    days = pd.date_range("2023-12-25", "2025-04-10", freq="D")
    got = con.execute(
        "select d::date, period_label(d::date) from unnest(?::date[]) t(d)", [list(days.date)]
    ).fetchall()
    assert len(got) == len(days)
    assert all(label == Period.containing(day).label for day, label in got)
    assert dict(got)[dt.date(2024, 3, 31)] == "2023-24-Q4"
    assert dict(got)[dt.date(2024, 4, 1)] == "2024-25-Q1"
    assert dict(got)[dt.date(2025, 1, 1)] == "2024-25-Q4"
    con.close()


def test_communities_standing_for_the_quarter(con):
    assert rows(con, "select * from communities order by code") == [
        ("BC-VIC", "Victoria", "BC", dt.date(2024, 4, 1), True, False, None),
        ("NS-HFX", "Halifax", "NS", dt.date(2009, 1, 1), True, True, True),
        ("ON-OTT", "Ottawa", "ON", dt.date(2009, 1, 1), True, False, None),
    ]


def test_record_views(con):
    assert rows(
        con, "select status, reason from submissions where file_name = 'hfx-q1-v2.xlsx'"
    ) == [("accepted", None)]
    assert rows(con, "select reason, count(*) from job_outcomes group by all order by all") == [
        ("noc_lower_teer", 1),
        ("not_in_field", 1),
        (None, 1),
    ]
    assert rows(con, "select * from data_quality where metric like 'withdrawn.%'") == [
        ("withdrawn.connectees", 1),
        ("withdrawn.connectors", 0),
        ("withdrawn.jobs", 0),
    ]
    assert rows(con, "select record_a, record_b, decided from review_list") == [
        (
            f"NS-HFX:{person_key('NS-HFX:C001', b'test-key')}",
            f"ON-OTT:{person_key('ON-OTT:K17', b'test-key')}",
            None,
        )
    ]
    ((quarter, demo, digest),) = rows(con, "select quarter, demo_key, content_hash from run_info")
    assert (quarter, demo, len(digest)) == ("2024-25-Q1", False, 64)


# --- contract ---------------------------------------------------------------------

INTERFACES = {
    "national_quarterly": ["period", "fiscal_year", "quarter", "connectees", "connectors", "jobs"],
    "national_fiscal_year": ["fiscal_year", "connectees", "connectors", "jobs"],
    "community_quarterly": [
        "community_code",
        "period",
        "fiscal_year",
        "quarter",
        "connectees",
        "connectors",
        "jobs",
    ],
    "submissions": [
        "community_code",
        "period",
        "file_name",
        "sha256",
        "submitted_on",
        "status",
        "rows_read",
        "rows_rejected",
        "reason",
    ],
    "validation_issues": [
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
    ],
    "job_outcomes": ["community_code", "person_key", "start_date", "qualifies", "reason"],
    # v2: publication (tests/test_publication.py); empty until a quarter is published
    "publications": ["period", "published_at", "published_by", "note", "run_id"],
    "published_figures": [
        "period",
        "published_at",
        "scope",
        "figure_period",
        "connectees",
        "connectors",
        "jobs",
    ],
    "revisions": [
        "period",
        "scope",
        "figure_period",
        "figure",
        "published",
        "current",
        "change",
        "reasons",
    ],
}


@pytest.mark.parametrize("view", sorted(INTERFACES))
def test_views_have_exactly_the_interface_columns(con, view):
    assert [r[0] for r in rows(con, f'describe "{view}"')] == INTERFACES[view]
    assert rows(con, f"select count(*) from duckdb_views() where view_name = '{view}'") == [(1,)]


def test_every_table_view_and_column_is_commented(con):
    objects = rows(con, "select table_name, comment from duckdb_tables() where not internal")
    objects += rows(con, "select view_name, comment from duckdb_views() where not internal")
    columns = rows(
        con, "select table_name, column_name, comment from duckdb_columns() where not internal"
    )
    assert len(objects) > 10 and len(columns) > 60
    assert [o for o in objects if not o[1]] == []
    assert [c for c in columns if not c[2]] == []


def test_no_email_name_or_phone_reaches_the_warehouse(con):
    found = []
    for table, column in rows(
        con,
        "select table_name, column_name from duckdb_columns() "
        "where not internal and data_type = 'VARCHAR'",
    ):
        values = [v for (v,) in rows(con, f'select distinct "{column}" from "{table}"') if v]
        for value in values:
            found += [(table, column, value) for token in PERSONAL if token in value.lower()]
    assert found == []


def test_person_key_is_the_keyed_hash(con):
    keys = {k for (k,) in rows(con, "select person_key from job_outcomes")}
    assert keys == {person_key(p, b"test-key") for p in (AMELIE, RAJ, LIN)}


# --- checks, atomicity, determinism --------------------------------------------------


def file_digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_only_warehouse_left(folder, name="warehouse.duckdb"):
    """No temporary file or write-ahead log is left behind: the warehouse, its lock and its pages file."""
    assert sorted(p.name for p in folder.iterdir()) == [name, f"{name}.lock", f"{name}.pages"]


def test_a_crash_midway_leaves_the_previous_warehouse(built, monkeypatch):
    before = file_digest(built)

    def crash(con):
        raise RuntimeError("simulated crash after the SQL ran")

    pages_before = file_digest(warehouse.pages_path(built))
    monkeypatch.setattr(warehouse, "check_warehouse", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_warehouse(built, **inputs(quarter=Period(2024, 2)))
    assert file_digest(built) == before
    assert file_digest(warehouse.pages_path(built)) == pages_before
    assert_only_warehouse_left(built.parent)
    with duckdb.connect(str(built), read_only=True) as con:
        assert rows(con, "select quarter from run_info") == [("2024-25-Q1",)]


def test_a_broken_sql_file_leaves_the_previous_warehouse(built, monkeypatch):
    before = file_digest(built)
    files = warehouse.sql_files()
    monkeypatch.setattr(
        warehouse, "sql_files", lambda: files[:3] + [("04_broken.sql", "select * from nowhere;")]
    )
    with pytest.raises(WarehouseError, match="04_broken.sql"):
        build_warehouse(built, **inputs())
    assert file_digest(built) == before
    assert_only_warehouse_left(built.parent)


def test_a_person_counted_twice_fails_the_checks(built):
    before = file_digest(built)
    twice = EVENTS + [("connectees", "national", NA, AMELIE, "2024-05-01")]
    with pytest.raises(WarehouseError, match="at most once"):
        build_warehouse(built, **inputs(events=events_frame(twice)))
    assert file_digest(built) == before


def test_figures_of_an_unregistered_community_fail_the_checks(tmp_path):
    stray = EVENTS + [("connectees", "community", "QC-MTL", LIN, "2024-05-01")]
    with pytest.raises(WarehouseError, match="registered"):
        build_warehouse(tmp_path / "w.duckdb", **inputs(events=events_frame(stray)))
    assert list(tmp_path.iterdir()) == [tmp_path / "w.duckdb.lock"]


def test_two_builds_at_once_leave_one_whole_warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    errors = []

    def run(quarter):
        try:
            build_warehouse(path, **inputs(quarter=quarter))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(q,)) for q in (Period(2024, 1), Period(2024, 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with duckdb.connect(str(path), read_only=True) as con:
        ((quarter,),) = rows(con, "select quarter from run_info")
        assert quarter in {"2024-25-Q1", "2024-25-Q2"}
        warehouse.check_warehouse(con)
    assert_only_warehouse_left(tmp_path)


def test_same_inputs_give_the_same_results(shared, tmp_path):
    a, b = shared, tmp_path / "b.duckdb"
    build_warehouse(b, **inputs())
    with duckdb.connect(str(a), read_only=True) as ca, duckdb.connect(str(b), read_only=True) as cb:
        names = [
            n
            for (n,) in rows(
                ca,
                "select view_name from duckdb_views() where not internal "
                "union all select table_name from duckdb_tables() "
                "where not internal order by 1",
            )
        ]
        assert names == [
            n
            for (n,) in rows(
                cb,
                "select view_name from duckdb_views() where not "
                "internal union all select table_name from "
                "duckdb_tables() where not internal order by 1",
            )
        ]
        for name in names:
            query = f'select * from "{name}" order by all'
            assert rows(ca, query) == rows(cb, query), name


def test_missing_input_column_is_named(tmp_path):
    with pytest.raises(WarehouseError, match="events input lacks the column.*person_id"):
        build_warehouse(
            tmp_path / "w.duckdb", **inputs(events=events_frame(EVENTS).drop(columns="person_id"))
        )


# --- pseudonyms -----------------------------------------------------------------------


def test_person_key_is_stable_keyed_and_short():
    k = person_key("a@b.ca", b"k1")
    assert k == person_key("a@b.ca", b"k1") and len(k) == 16 and int(k, 16) >= 0
    assert k != person_key("a@b.ca", b"k2") and k != person_key("c@b.ca", b"k1")


def test_pseudonymise_keeps_missing_values():
    out = pseudonymise(pd.Series(["a@b.ca", NA, "a@b.ca"], dtype="str"), b"k")
    assert out.iloc[0] == out.iloc[2] == person_key("a@b.ca", b"k") and pd.isna(out.iloc[1])


def test_load_key(tmp_path):
    assert load_key({}) == (DEMO_KEY, True)
    assert load_key({"CONNECTOR_ROLLUP_KEY": " s3cret\n"}) == (b"s3cret", False)
    key_file = tmp_path / "key"
    key_file.write_bytes(b"from-file\n")
    assert load_key({"CONNECTOR_ROLLUP_KEY_FILE": str(key_file)}) == (b"from-file", False)
    # An empty variable counts as unset.
    assert load_key({"CONNECTOR_ROLLUP_KEY": " ", "CONNECTOR_ROLLUP_KEY_FILE": str(key_file)}) == (
        b"from-file",
        False,
    )
    with pytest.raises(ValueError, match="no key file"):
        load_key({"CONNECTOR_ROLLUP_KEY_FILE": str(tmp_path / "missing")})


def test_demo_key_is_recorded(tmp_path):
    path = tmp_path / "w.duckdb"
    build_warehouse(path, **inputs(key=DEMO_KEY))
    with duckdb.connect(str(path), read_only=True) as con:
        assert rows(con, "select demo_key from run_info") == [(True,)]


def test_a_run_killed_midway_leaves_the_previous_warehouse(built):
    """SIGKILL (no clean-up runs) while the new warehouse is being built: the old one still answers."""
    import signal
    import subprocess
    import sys
    import textwrap

    before = file_digest(built)
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
        from connector_rollup.rollup import warehouse
        from connector_rollup.periods import Period
        import test_warehouse as t

        def killed(con):
            os.kill(os.getpid(), signal.SIGKILL)

        warehouse.check_warehouse = killed
        warehouse.build_warehouse({str(built)!r}, **t.inputs(quarter=Period(2024, 2)))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    assert file_digest(built) == before
    with duckdb.connect(str(built), read_only=True) as con:
        assert rows(con, "select quarter from run_info") == [("2024-25-Q1",)]
    # The next run builds normally and replaces it (a killed run's temporary file is only litter).
    build_warehouse(built, **inputs(quarter=Period(2024, 2)))
    with duckdb.connect(str(built), read_only=True) as con:
        assert rows(con, "select quarter from run_info") == [("2024-25-Q2",)]


# --- the pages file: built with the warehouse, swapped with it ------------------------------------


def page_run(path) -> list[tuple]:
    with duckdb.connect(str(warehouse.pages_path(path)), read_only=True) as con:
        return rows(con, "select period from page_run")


def test_the_pages_file_is_owner_only_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        build_warehouse(tmp_path / "warehouse.duckdb", **inputs())
    finally:
        os.umask(old)
    pages = warehouse.pages_path(tmp_path / "warehouse.duckdb")
    assert stat.S_IMODE(pages.stat().st_mode) == 0o600
    assert page_run(tmp_path / "warehouse.duckdb") == [("2024-25-Q1",)]


@pytest.mark.parametrize("had_pages", [True, False])
def test_a_swap_cut_before_the_warehouse_rename_puts_the_previous_pages_file_back(
    built, monkeypatch, had_pages
):
    """The warehouse rename commits both files: cut before it, both are as they were."""
    pages = warehouse.pages_path(built)
    if not had_pages:  # a warehouse built before pages files: none is left in its place
        pages.unlink()
    before = file_digest(pages) if had_pages else None
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == built:
            raise OSError(errno.EIO, "simulated failure of the commit rename")
        real_replace(src, dst)

    monkeypatch.setattr(warehouse.os, "replace", replace)
    with pytest.raises(OSError, match="commit rename"):
        build_warehouse(built, **inputs(quarter=Period(2024, 2)))
    monkeypatch.undo()
    assert (file_digest(pages) if pages.exists() else None) == before
    with duckdb.connect(str(built), read_only=True) as con:
        assert rows(con, "select quarter from run_info") == [("2024-25-Q1",)]
    expected = [built.name, f"{built.name}.lock"] + ([pages.name] if had_pages else [])
    assert sorted(p.name for p in built.parent.iterdir()) == sorted(expected)
    build_warehouse(built, **inputs(quarter=Period(2024, 2)))  # the next build replaces both
    assert page_run(built) == [("2024-25-Q2",)]
    assert_only_warehouse_left(built.parent)


def test_a_killed_runs_pages_files_are_leftovers(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    dead = 2**22 + 12345  # above the largest pid Linux allows: no such process
    names = [
        f".{path.name}.{dead}.0123abcd.tmp.pages",
        f".{path.name}.{dead}.0123abcd.tmp.pages.wal",
        f".{path.name}.{dead}.0123abcd.tmp.pages.prev",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in warehouse.leftovers(path)] == sorted(names)
