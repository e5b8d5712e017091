"""Time ``validate_workbook`` on the reader benchmark's workbook and compare it with the readers.

The issue's target: validating one workbook of 5,000 rows per sheet takes at
most 2x the time the fastest reader needs just to read its cells, and well
under a second of work beyond process start. This prints, for the workbook
as openpyxl writes it and as Excel would (shared strings):

- the readers' best times (``bench_readers``) and ``validate_workbook``'s
  best of N, in process after a warm-up, with the ratios;
- where validation's time goes: the reader's own phases timed directly
  (container checks, calamine, raw cells), the rest apportioned from one
  cProfile run (parsing values, the Pandera models, context rules, typed
  output), scaled to the unprofiled time;
- in a fresh process: the imports, then the first (cold) validation.

    .venv/bin/python bench/bench_validate.py [--rows 5000] [--repeat 5] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_readers import READERS, bench_workbooks, best_of, time_readers, timed  # noqa: E402

from connector_rollup import read  # noqa: E402
from connector_rollup.contract import DATA_SHEETS  # noqa: E402
from connector_rollup.registry import load_registry  # noqa: E402
from connector_rollup.validate import validate_workbook  # noqa: E402
from connector_rollup.values import fold  # noqa: E402

# Groups of validation work, by the functions that do it (matched by name, so
# the breakdown survives refactoring of validate.py; missing names count 0).
GROUPS = {
    "parse values": ("parse_distinct", "_parse_column", "_Column.parse", "parse"),
    "Pandera models": ("_check_model", "_pandera_failures"),
    "context rules": (
        "_check_dates",
        "_check_eligibility",
        "_check_references",
        "_check_duplicates",
    ),
    "typed output": ("_keep_valid_rows", "_typed"),
}

COLD = """
import json, sys, time
start = time.perf_counter()
from connector_rollup.registry import load_registry
from connector_rollup.validate import validate_workbook
registry = load_registry()
imported = time.perf_counter()
submission = validate_workbook(sys.argv[1], registry)
done = time.perf_counter()
print(json.dumps({"imports": imported - start, "first": done - imported, "status": submission.status}))
"""


def reader_phases(path: Path, repeat: int) -> dict[str, float]:
    """Best times of the reader's phases, each timed on its own, and of the whole read."""
    data = path.read_bytes()
    container = read._check_container(data)
    book = read._open(data)
    names = list(book.sheet_names)
    cells = read._read_sheets(container, book, names)
    sheets = [
        (sheet, name)
        for sheet in DATA_SHEETS
        for name in names
        if fold(name) == fold(sheet.english)
    ]

    def raw_cells():
        read._read_submission_fields(cells["Submission"])
        for sheet, name in sheets:
            read._read_data_sheet(sheet, name, cells[name])
        read.sha256_of(data)

    return {
        "reader: container checks (inflate, scans)": best_of(
            lambda: read._check_container(data), repeat
        ),
        "reader: open the workbook": best_of(lambda: read._open(data), repeat),
        "reader: calamine, sheets in threads": best_of(
            lambda: read._read_sheets(container, book, names), repeat
        ),
        "reader: headers, blank rows, raw columns": best_of(raw_cells, repeat),
        "read_workbook": best_of(lambda: read.read_workbook(path, data), repeat),
    }


def _cumulative(stats: pstats.Stats, names: tuple[str, ...]) -> float:
    """The largest cumulative time among connector_rollup functions with one of these names."""
    best = 0.0
    for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        if "connector_rollup" in filename and function in names:
            best = max(best, ct)
    return best


def validation_breakdown(
    path: Path, registry, validate_seconds: float, read_seconds: float
) -> dict[str, float]:
    """Validation's time beyond the read, apportioned by one cProfile run."""
    profile = cProfile.Profile()
    profile.runcall(validate_workbook, path, registry)
    stats = pstats.Stats(profile)
    total = _cumulative(stats, ("validate_workbook",))
    profiled_read = _cumulative(stats, ("read_workbook",))
    beyond = max(total - profiled_read, 1e-9)
    measured_beyond = max(validate_seconds - read_seconds, 0.0)
    shares = {group: _cumulative(stats, names) / beyond for group, names in GROUPS.items()}
    out = {group: share * measured_beyond for group, share in shares.items()}
    out["other (identify, issues, frames)"] = max(measured_beyond - sum(out.values()), 0.0)
    return out


def cold_run(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", COLD, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--keep", type=Path, default=None, help="Write the workbooks in this folder and keep them."
    )
    args = parser.parse_args(argv)
    registry = load_registry()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for label, path in bench_workbooks(folder, args.rows).items():
            readers = time_readers(path, args.repeat, READERS)
            submission = validate_workbook(path, registry)  # warm-up
            assert submission.status == "accepted" and not submission.errors, submission.reason
            validate_seconds, validate_cpu, validate_median = timed(
                lambda path=path: validate_workbook(path, registry), args.repeat
            )
            phases = reader_phases(path, args.repeat)
            fastest_name, (fastest, _) = min(readers.items(), key=lambda kv: kv[1][0])
            calamine_alone = readers["python-calamine"][0]

            print(
                f"\n{label}: {path.name}, {path.stat().st_size / 1e6:.2f} MB, "
                f"{submission.rows_read} rows validated"
            )
            for name, (seconds, _) in sorted(readers.items(), key=lambda kv: kv[1][0]):
                print(f"  read every cell, {name:<16} {seconds * 1000:8.1f} ms")
            print(
                f"  validate_workbook (best of {args.repeat})     {validate_seconds * 1000:8.1f} ms"
                f"   (CPU {validate_cpu * 1000:.0f} ms, median {validate_median * 1000:.0f} ms)"
            )
            print(
                f"  ratio to the fastest reader ({fastest_name})  {validate_seconds / fastest:6.2f}x   (target 2x)"
            )
            print(
                f"  ratio to python-calamine reading alone      {validate_seconds / calamine_alone:6.2f}x"
            )

            print(
                "  breakdown (each phase timed alone, best of N; validation's share from cProfile):"
            )
            read_total = phases.pop("read_workbook")
            rows = list(phases.items())
            rows += [
                (f"validate: {k}", v)
                for k, v in validation_breakdown(
                    path, registry, validate_seconds, read_total
                ).items()
            ]
            for name, seconds in rows:
                print(f"    {name:<44} {seconds * 1000:8.1f} ms  {seconds / validate_seconds:6.1%}")
            print(
                f"    {'(read_workbook as a whole)':<44} {read_total * 1000:8.1f} ms  "
                f"{read_total / validate_seconds:6.1%}"
            )

            cold = cold_run(path)
            print(
                f"  fresh process: imports {cold['imports'] * 1000:.0f} ms, "
                f"first validation {cold['first'] * 1000:.0f} ms ({cold['status']})"
            )


if __name__ == "__main__":
    sys.exit(main())
