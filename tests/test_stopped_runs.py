"""A run that is stopped (issue 8): prompt stops, no process left, outputs both old or both new, clean-up.

Most of it is tested on plain functions (publish, recover, the clean cache);
three tests run ``connector-rollup run`` in a subprocess on a small sample and
signal it, as a user would (each costs 15-25 s).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from builders import connectee, connector, introduction, submission_rows, write_workbook
from click.testing import CliRunner

from connector_rollup.cli import main
from connector_rollup.intake import clean
from connector_rollup.intake.workbooks import intake_workbooks
from connector_rollup.rollup import publish, report, warehouse
from connector_rollup.rollup.stopping import RunStopped, stopped_by

QUARTER = "2024-25-Q4"


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def outputs(tmp: Path, label: str):
    """A published warehouse (a file saying ``label``) and a reports folder whose pages say it too."""
    w = tmp / "data" / "warehouse.duckdb"
    final = tmp / "reports" / QUARTER
    w.parent.mkdir(parents=True, exist_ok=True)
    (final / "communities").mkdir(parents=True)
    w.write_text(label)
    (final / "national.md").write_text(label)
    (final / "communities" / "NS-HFX.md").write_text(label)
    return w, final


def staged(w: Path, final: Path, label: str):
    """What a run stages before it publishes: a warehouse file and a reports folder beside their places."""
    temp = w.with_name(f".{w.name}.{os.getpid()}.0123abcd.tmp")
    temp.write_text(label)
    folder = report.sibling(final, "new")
    (folder / "communities").mkdir(parents=True)
    (folder / "national.md").write_text(label)
    (folder / "communities" / "NS-HFX.md").write_text(label)
    return temp, folder


def state(w: Path, final: Path) -> set[str]:
    """Whose the warehouse and every page are; hidden files left beside them."""
    says = {w.read_text()} | {p.read_text() for p in final.rglob("*.md")}
    hidden = [
        p.name
        for folder in (w.parent, final.parent)
        for p in folder.iterdir()
        if p.name.startswith(".")
    ]
    return says | ({f"left: {sorted(hidden)}"} if hidden else set())


# --- publishing: both or neither ---------------------------------------------------------------


def test_publish_swaps_the_warehouse_and_the_reports_together(tmp_path):
    w, final = outputs(tmp_path, "old")
    (final / "communities" / "GONE.md").write_text("old")  # a page the new run no longer writes
    temp, folder = staged(w, final, "new")
    publish.publish(temp, w, folder, final)
    assert state(w, final) == {"new"}
    assert not (final / "communities" / "GONE.md").exists()


@pytest.mark.parametrize(
    "failure", [OSError(errno.ENOSPC, "No space left on device"), RunStopped(signal.SIGINT)]
)
def test_a_failure_between_the_two_swaps_puts_the_previous_reports_back(
    tmp_path, monkeypatch, failure
):
    """The reports are swapped first; the warehouse swap fails (a full disk, a signal): all is the old run's."""
    w, final = outputs(tmp_path, "old")
    temp, folder = staged(w, final, "new")

    def swap_fails(*args):
        raise failure

    monkeypatch.setattr(warehouse, "swap_in", swap_fails)
    with pytest.raises(type(failure)):
        publish.publish(temp, w, folder, final)
    assert state(w, final) == {"old"}


def test_the_first_publication_undone_leaves_nothing(tmp_path, monkeypatch):
    w = tmp_path / "data" / "warehouse.duckdb"
    w.parent.mkdir()
    final = tmp_path / "reports" / QUARTER
    final.parent.mkdir()
    temp, folder = staged(w, final, "new")
    monkeypatch.setattr(
        warehouse, "swap_in", lambda *a: (_ for _ in ()).throw(PermissionError("read-only"))
    )
    with pytest.raises(PermissionError):
        publish.publish(temp, w, folder, final)
    assert not w.exists() and not final.exists()
    assert [p.name for p in w.parent.iterdir()] == ["warehouse.duckdb.lock"]
    assert list(final.parent.iterdir()) == []


def killed_mid_publication(tmp: Path, warehouse_swapped: bool):
    """The files a run killed (SIGKILL) between the steps of ``publish`` leaves: journal, both swaps half done."""
    w, final = outputs(tmp, "old")
    temp, folder = staged(w, final, "new")
    previous = report.sibling(final, "prev")
    journal = {
        "staged_warehouse": str(temp),
        "warehouse": str(w),
        "staged_reports": str(folder),
        "reports": str(final),
        "previous_reports": str(previous),
    }
    publish.journal_path(w).write_text(json.dumps(journal))
    report.swap_reports(folder, final, previous)
    if warehouse_swapped:
        warehouse.swap_in(temp, w)
    # The names carry our pid; a killed run's carry a dead one.
    pid = str(dead_pid())
    for p in (temp, previous):
        if p.exists():
            p.rename(p.with_name(p.name.replace(str(os.getpid()), pid)))
    journal = {k: v.replace(str(os.getpid()), pid) for k, v in journal.items()}
    publish.journal_path(w).write_text(json.dumps(journal))
    return w, final


def test_the_next_run_undoes_a_publication_killed_before_the_warehouse_swap(tmp_path):
    w, final = killed_mid_publication(tmp_path, warehouse_swapped=False)
    assert state(w, final) >= {"old", "new"}  # a mix, as the issue found it
    done = publish.recover(w, final.parent)
    assert state(w, final) == {"old"}
    assert done == [
        (
            f"A stopped run had begun publishing; its warehouse and reports are now both the run "
            f"before it's ({final})."
        )
    ]


def test_the_next_run_completes_a_publication_killed_after_the_warehouse_swap(tmp_path):
    w, final = killed_mid_publication(tmp_path, warehouse_swapped=True)
    publish.recover(w, final.parent)
    assert state(w, final) == {"new"}


def test_the_next_run_removes_what_killed_runs_left_and_nothing_of_a_live_run(tmp_path):
    w, final = outputs(tmp_path, "old")
    dead, live = dead_pid(), os.getpid()
    for pid in (dead, live):
        w.with_name(f".{w.name}.{pid}.0123abcd.tmp").write_text("x")
        w.with_name(f".{w.name}.{pid}.0123abcd.tmp.wal").write_text("x")
        (final.parent / f".{QUARTER}.{pid}.0123abcd.new" / "charts").mkdir(parents=True)
        (tmp_path / "clean" / f".tmp-{pid}-abcd_123").mkdir(parents=True)
    (
        final.parent / f".2023-24-Q1.{dead}.0123abcd.prev"
    ).mkdir()  # previous reports with no journal: put back
    done = publish.recover(w, final.parent)
    removed = clean.remove_leftovers(tmp_path / "clean")
    assert len(done) == 4 and len(removed) == 1
    assert sorted(p.name for p in w.parent.iterdir()) == sorted(
        [
            "warehouse.duckdb",
            "warehouse.duckdb.lock",
            f".{w.name}.{live}.0123abcd.tmp",
            f".{w.name}.{live}.0123abcd.tmp.wal",
        ]
    )
    assert sorted(p.name for p in final.parent.iterdir()) == sorted(
        [QUARTER, "2023-24-Q1", f".{QUARTER}.{live}.0123abcd.new"]
    )
    assert [p.name for p in (tmp_path / "clean").iterdir()] == [f".tmp-{live}-abcd_123"]


def test_reports_that_cannot_be_written_leave_the_previous_ones_whole(tmp_path, monkeypatch):
    """A full disk halfway through the pages: no page cut short, no 0-byte chart, the old folder intact."""
    _, final = outputs(tmp_path, "old")

    def half_then_full(warehouse_path, folder, **options):
        (Path(folder) / "charts").mkdir()
        (Path(folder) / "charts" / "figures_by_quarter.png").write_bytes(b"")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report, "render_reports", half_then_full)
    from connector_rollup.periods import Period

    with pytest.raises(OSError):
        report.write_reports(
            "unused.duckdb", final.parent, quarter=Period.parse(QUARTER), registry={}
        )
    assert {p.read_text() for p in final.rglob("*.md")} == {"old"}
    assert [p.name for p in final.parent.iterdir()] == [QUARTER]


# --- the clean cache proves what it holds ------------------------------------------------------


@pytest.fixture
def cached(tmp_path, registry):
    raw = tmp_path / "raw"
    raw.mkdir()
    path = write_workbook(
        raw / "hfx.xlsx",
        submission=submission_rows(),
        connectees=[connectee("E1"), connectee("E2"), connectee("E3")],
        connectors=[connector("C1")],
        introductions=[introduction("E1", "C1", **{"Introduction date": dt.date(2025, 2, 1)})],
    )
    ((first, hit),) = intake_workbooks([path], registry, tmp_path / "clean")
    assert not hit
    ((_, hit),) = intake_workbooks([path], registry, tmp_path / "clean")
    assert hit
    (folder,) = (tmp_path / "clean").iterdir()
    return path, folder, first


def _edit_parquet(folder: Path) -> None:
    """A valid Parquet file with a row fewer: what an edit by hand looks like."""
    frame = pd.read_parquet(folder / "connectees.parquet")
    frame.iloc[:-1].to_parquet(folder / "connectees.parquet", index=False)


def _edit_meta(folder: Path) -> None:
    meta = json.loads((folder / "meta.json").read_text())
    meta["rows_read"] += 1
    (folder / "meta.json").write_text(json.dumps(meta))


@pytest.mark.parametrize(
    "damage",
    [
        _edit_parquet,
        lambda f: (f / "connectees.parquet").write_bytes(
            (f / "connectees.parquet").read_bytes()[:100]
        ),
        lambda f: (f / "connectors.parquet").unlink(),
        _edit_meta,
        lambda f: (f / "meta.json").write_text((f / "meta.json").read_text()[:50]),
    ],
    ids=["parquet-edited", "parquet-cut-short", "parquet-missing", "meta-edited", "meta-cut-short"],
)
def test_a_damaged_cache_entry_is_rebuilt_from_the_workbook(cached, registry, damage, caplog):
    path, folder, first = cached
    damage(folder)
    with caplog.at_level(logging.WARNING, logger="connector_rollup.intake.clean"):
        ((again, hit),) = intake_workbooks([path], registry, folder.parent)
    assert not hit
    assert f"The clean cache entry {folder} is not what its key says" in caplog.text
    assert again.rows_read == first.rows_read
    pd.testing.assert_frame_equal(again.rows["connectees"], first.rows["connectees"])
    ((_, hit),) = intake_workbooks([path], registry, folder.parent)  # the entry was rebuilt
    assert hit and clean.verify(folder)["rows_read"] == first.rows_read


def test_an_entry_copied_under_another_key_is_not_trusted(cached, tmp_path):
    _, folder, _ = cached
    other = folder.with_name("0" * 20 + folder.name[20:])
    other.mkdir()
    for f in folder.iterdir():
        (other / f.name).write_bytes(f.read_bytes())
    with pytest.raises(clean.CorruptEntry, match="another key"):
        clean.verify(other)
    assert clean.load(other) is None


# --- a run that cannot start, and decisions that name nobody -----------------------------------


def test_a_malformed_decisions_file_is_said_in_one_sentence_before_prefect_starts(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "connector-decisions.csv").write_text(
        "record_a,record_b,decision,note\nNS-HFX:C1,NS-HFX:C2,maybe,\n"
    )
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--quarter",
            QUARTER,
            "--raw",
            str(tmp_path / "raw"),
            "--warehouse",
            str(tmp_path / "data" / "warehouse.duckdb"),
        ],
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "neither same nor" in lines[0], (
        result.output
    )
    assert "prefect" not in result.output.lower() and "Traceback" not in result.output


def test_decisions_naming_no_record_are_named_in_the_summary(tmp_path):
    from flows.rollup import RollupResult

    result = RollupResult(
        quarter=QUARTER,
        national_report=tmp_path / "national.md",
        warehouse=tmp_path / "w",
        decisions_file=tmp_path / "connector-decisions.csv",
        ignored_decisions=["NS-HFX:C1,NS-HFX:C404"],
    )
    assert (
        f"  Warning: 1 decision(s) in {tmp_path / 'connector-decisions.csv'} name a record that does not "
        "exist and were not applied: NS-HFX:C1,NS-HFX:C404."
    ) in result.summary()


def test_a_signal_lost_inside_prefect_is_still_recognised():
    from prefect.exceptions import TerminationSignal

    try:
        try:
            raise TerminationSignal(signal=signal.SIGTERM)
        except TerminationSignal:
            # what Prefect raises when a signal lands at a task's start (the signal is its context)
            raise ValueError("Task run is not set")  # noqa: B904
    except ValueError as exc:
        assert stopped_by(exc).exit_status == 143
    assert stopped_by(ValueError("no")) is None


# --- signals, as a user sends them -------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from synthetic.sample import SAMPLE_QUARTER, write_sample

    root = tmp_path_factory.mktemp("stopped")
    write_sample(root / "raw", scale=0.1)
    return root, SAMPLE_QUARTER.label


def session_processes(sid: int) -> list[str]:
    """The processes of session ``sid`` still running (zombies aside), from /proc."""
    left = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                left.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:120])
        except (OSError, IndexError, ValueError):
            continue
    return left


def uvicorn_of(home: Path) -> list[int]:
    """Prefect servers started with ``home`` as their Prefect home (a server leaves its parent's session)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if (
                proc.name.isdigit()
                and b"uvicorn" in (proc / "cmdline").read_bytes()
                and f"PREFECT_HOME={home}".encode() in (proc / "environ").read_bytes().split(b"\0")
            ):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def run_and_signal(root: Path, quarter: str, marker: str, signum: int, *, group: bool = False):
    """Run the roll-up, send ``signum`` when ``marker`` appears in its log; (exit, seconds, output, sid)."""
    env = dict(
        os.environ,
        PREFECT_LOGGING_LEVEL="INFO",
        PREFECT_HOME=str(root / "prefect-home"),
        COLUMNS="200",
    )
    command = [
        sys.executable,
        "-m",
        "connector_rollup.cli",
        "run",
        "--quarter",
        quarter,
        "--raw",
        str(root / "raw"),
        "--clean",
        str(root / "clean"),
        "--warehouse",
        str(root / "data" / "warehouse.duckdb"),
        "--reports",
        str(root / "reports"),
    ]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )  # a session of its own, as a terminal gives a command
    lines, seen = [], threading.Event()

    def read():
        for line in process.stdout:
            lines.append(line)
            if marker in line:
                seen.set()

    threading.Thread(target=read, daemon=True).start()
    while not seen.wait(0.05):
        assert process.poll() is None, "".join(lines)
    sent = time.monotonic()
    (os.killpg if group else os.kill)(
        process.pid, signum
    )  # the group: what Ctrl-C in a terminal does
    status = process.wait(timeout=120)
    seconds = time.monotonic() - sent
    time.sleep(1)
    return status, seconds, "".join(lines), process.pid


def test_ctrl_c_stops_the_run_within_seconds_says_so_and_leaves_no_process(sample):
    root, quarter = sample
    status, seconds, output, sid = run_and_signal(
        root, quarter, "Task run 'intake_community", signal.SIGINT, group=True
    )
    assert status == 130, output
    assert seconds < 15, output
    assert re.search(
        r"Stopped by Ctrl-C \(SIGINT\): no warehouse \(.*\) and no reports \(.*\) were published\.\n",
        output,
    ), output
    assert session_processes(sid) == [] and uvicorn_of(root / "prefect-home") == []


def test_sigterm_while_the_reports_are_written_keeps_the_previous_outputs(sample):
    root, quarter = sample
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "warehouse.duckdb").write_text("the previous run's")
    (root / "reports" / quarter).mkdir(parents=True)
    (root / "reports" / quarter / "national.md").write_text("the previous run's")
    status, seconds, output, sid = run_and_signal(
        root, quarter, "Task run 'load_warehouse", signal.SIGTERM
    )
    assert status == 143, output
    assert seconds < 15, output
    assert (
        "Stopped by SIGTERM: the warehouse" in output
        and "are the previous run's, unchanged" in output
    )
    assert (root / "data" / "warehouse.duckdb").read_text() == "the previous run's"
    assert [p.name for p in (root / "reports" / quarter).iterdir()] == ["national.md"]
    assert [p.name for p in (root / "reports").iterdir()] == [quarter]
    assert session_processes(sid) == [] and uvicorn_of(root / "prefect-home") == []


def test_sigkill_leaves_no_server_behind(sample):
    root, quarter = sample
    status, _, _, sid = run_and_signal(root, quarter, "Task run 'discover", signal.SIGKILL)
    assert status == -signal.SIGKILL
    for _ in range(
        50
    ):  # the kernel tells the server its parent died; it stops within a few seconds
        if not uvicorn_of(root / "prefect-home"):
            break
        time.sleep(0.2)
    assert session_processes(sid) == [] and uvicorn_of(root / "prefect-home") == []
