"""Publishing a roll-up: its warehouse and its reports replace the previous ones together.

A run stages both first (``warehouse.stage_warehouse``, ``report.stage_reports``:
temporary files beside their final places), then ``publish`` swaps them in:

1. a journal beside the warehouse names the staged files (``.<warehouse>.publish.json``);
2. the quarter's report folder moves aside, the staged one takes its place;
3. the staged warehouse replaces the warehouse (one rename): **the commit point**;
4. the previous report folder and the journal are removed.

So the warehouse and the reports are both the previous run's or both the new
run's, whatever stops the run: an exception or a signal during 2-3 undoes 2
before it propagates, and a run killed outright (SIGKILL, power) leaves the
journal, from which the next run's ``recover`` finishes or undoes the swap.
The staged warehouse still existing is what says step 3 did not happen.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path

from connector_rollup.processes import process_alive
from connector_rollup.rollup import report, warehouse

log = logging.getLogger(__name__)


def journal_path(warehouse_path: str | os.PathLike[str]) -> Path:
    path = Path(warehouse_path)
    return path.with_name(f".{path.name}.publish.json")


def publish(
    staged_warehouse: Path,
    warehouse_path: str | os.PathLike[str],
    staged_reports: Path,
    reports_final: Path,
) -> None:
    """Swap the staged warehouse and reports in, both or neither (see the module's steps).

    Returns once both are in place. On any exception, signals included, the
    previous warehouse and reports are back in place (or absent, if there
    were none) when it propagates.
    """
    warehouse_path = Path(warehouse_path)
    previous = report.sibling(reports_final, "prev")
    journal = journal_path(warehouse_path)
    with warehouse.exclusive_lock(warehouse_path):
        _write_journal(
            journal,
            {
                "staged_warehouse": str(staged_warehouse.resolve()),
                "warehouse": str(warehouse_path.resolve()),
                "staged_reports": str(staged_reports.resolve()),
                "reports": str(reports_final.resolve()),
                "previous_reports": str(previous.resolve()),
            },
        )
        try:
            report.swap_reports(staged_reports, reports_final, previous)
            warehouse.swap_in(staged_warehouse, warehouse_path)
        except BaseException:
            _settle(staged_warehouse, staged_reports, reports_final, previous)
            journal.unlink(missing_ok=True)
            raise
        _settle(staged_warehouse, staged_reports, reports_final, previous)
        journal.unlink(missing_ok=True)


def _settle(
    staged_warehouse: Path, staged_reports: Path, reports_final: Path, previous: Path
) -> str:
    """Finish an interrupted publication one way or the other; return ``"new"`` or ``"previous"``.

    The staged warehouse is gone only once it replaced the warehouse (the
    commit point): then the new reports are in place too and the previous
    ones can go. Otherwise the previous reports go back. Idempotent.
    """
    if staged_warehouse.exists():
        report.unswap_reports(staged_reports, reports_final, previous)
        warehouse.discard(staged_warehouse)
        return "previous"
    shutil.rmtree(previous, ignore_errors=True)
    shutil.rmtree(staged_reports, ignore_errors=True)
    return "new"


def _write_journal(journal: Path, entries: dict[str, str]) -> None:
    temp = journal.with_name(journal.name + ".tmp")
    temp.write_text(json.dumps(entries, indent=1), encoding="utf-8")
    os.replace(temp, journal)


def recover(
    warehouse_path: str | os.PathLike[str], reports_dir: str | os.PathLike[str]
) -> list[str]:
    """Finish or undo a publication a killed run left, and remove its staged files; say what was done.

    Run before a roll-up starts. Removes the staged warehouse files
    (``.<warehouse>.<pid>.<hex>.tmp``) and report folders
    (``<reports>/.<quarter>.<pid>.<hex>.new|prev``) of runs no longer alive;
    a live concurrent run's are left alone. Returns one sentence per thing
    done, for the run's log.
    """
    warehouse_path = Path(warehouse_path)
    done: list[str] = []
    if not warehouse_path.parent.is_dir():
        return done
    with warehouse.exclusive_lock(warehouse_path):
        journal = journal_path(warehouse_path)
        try:
            entries = json.loads(journal.read_text(encoding="utf-8"))
        except FileNotFoundError:
            entries = None
        except (OSError, ValueError):  # a journal cut short: it was written before any swap began
            entries = None
            journal.unlink(missing_ok=True)
        if entries is not None:
            outcome = _settle(
                Path(entries["staged_warehouse"]),
                Path(entries["staged_reports"]),
                Path(entries["reports"]),
                Path(entries["previous_reports"]),
            )
            journal.unlink(missing_ok=True)
            done.append(
                f"A stopped run had begun publishing; its warehouse and reports are now both "
                f"{'that run' if outcome == 'new' else 'the run before it'}'s ({entries['reports']})."
            )
        for leftover in warehouse.leftovers(warehouse_path):
            leftover.unlink(missing_ok=True)
            done.append(f"Removed {leftover.name}, a warehouse a stopped run left unfinished.")
        for leftover in report_leftovers(reports_dir):
            final = leftover.with_name(_REPORT_SIBLING.fullmatch(leftover.name).group(1))
            if leftover.name.endswith(".prev") and not final.exists():
                os.rename(leftover, final)  # not reached through a journal, but never lose a report
                done.append(
                    f"Put back {final}, the previous reports a stopped run had moved aside."
                )
            else:
                shutil.rmtree(leftover, ignore_errors=True)
                done.append(f"Removed {leftover}, reports a stopped run left unfinished.")
    return done


_REPORT_SIBLING = re.compile(r"\.([^./][^/]*?)\.(\d+)\.[0-9a-f]{8}\.(new|prev)")


def report_leftovers(reports_dir: str | os.PathLike[str]) -> list[Path]:
    """Temporary report folders under ``reports_dir`` whose run is no longer alive."""
    found = []
    reports_dir = Path(reports_dir)
    if not reports_dir.is_dir():
        return found
    for entry in reports_dir.iterdir():
        match = _REPORT_SIBLING.fullmatch(entry.name)
        if match and entry.is_dir() and not process_alive(int(match.group(2))):
            found.append(entry)
    return sorted(found)
