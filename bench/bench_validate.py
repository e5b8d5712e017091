"""Time ``connector-rollup validate`` on the reader benchmark's workbook and compare it with the read.

Issue 8's target (a): the whole ``connector-rollup validate`` process, on one
workbook of 5,000 rows per sheet, costs at most 2x python-calamine reading
every cell once, beyond the imports of the stack (``import pandas,
pandera.pandas`` in an empty interpreter). First, in one run, side by side
(the runs interleaved, so that the VM's changing speed touches each alike),
the median of ``--process-runs`` runs of:

- an empty interpreter importing ``pandas, pandera.pandas`` (the allowance);
- python-calamine reading every cell of the workbook, in process, warm;
- the whole ``connector-rollup validate FILE`` process (the console script);
- what importing openpyxl and, when the ``[test]`` extra is installed,
  hypothesis would add (validate loads neither since issue 8: openpyxl only
  for ``--annotated``, and it runs the Pandera schemas without
  ``schema.validate``, whose first call registers Pandera's pandas backend,
  which imports hypothesis); and the same validate process with hypothesis
  hidden, as a coordinator's install has it (the two should now be equal);

then the ratio (validate - imports) / read against 2x. Then, for the workbook
as openpyxl writes it and as Excel would (shared strings):

- the readers' best times (``bench_readers``) and ``validate_workbook``'s
  best of N, in process after a warm-up, with the ratios;
- where validation's time goes: the reader's own phases timed directly
  (container checks, calamine, raw cells), the rest apportioned from one
  cProfile run (parsing values, the Pandera models, context rules, typed
  output), scaled to the unprofiled time;
- in a fresh process: the imports, then the first (cold) validation.

    .venv/bin/python bench/bench_validate.py [--rows 5000] [--repeat 5] [--process-runs 7]
        [--process-only] [--keep FOLDER]

fastexcel, one of the readers compared, is the ``[bench]`` extra
(``.venv/bin/pip install -c constraints.txt -e '.[bench]'``); without it the
comparison leaves it out and says so.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_readers import (  # noqa: E402
    READERS,
    bench_workbooks,
    best_of,
    read_calamine,
    time_readers,
    timed,
)

from connector_rollup.contract import DATA_SHEETS  # noqa: E402
from connector_rollup.intake import read  # noqa: E402
from connector_rollup.intake.validate import validate_workbook  # noqa: E402
from connector_rollup.registry import load_registry  # noqa: E402
from connector_rollup.values import fold  # noqa: E402

# Groups of validation work, by the functions that do it (matched by name, so
# the breakdown survives refactoring of validate.py; missing names count 0).
GROUPS = {
    "parse values": ("parse_distinct", "_parse_column", "_Column.parse", "parse"),
    "Pandera models": ("_check_model", "_schema_failures", "_pandera_failures"),
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
from connector_rollup.intake.validate import validate_workbook
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


TARGET = 2.0
STACK_IMPORTS = "import pandas, pandera.pandas"
# The console script's own code path, with hypothesis unavailable (as without the [test] extra).
WITHOUT_HYPOTHESIS = (
    "import sys; sys.modules['hypothesis'] = None; from connector_rollup.cli import main; "
    "main(sys.argv[1:], prog_name='connector-rollup')"
)


def _validate_command() -> list[str]:
    """The installed console script next to this interpreter, else the module."""
    script = Path(sys.executable).parent / "connector-rollup"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "connector_rollup.cli"]


def _bytecode_env(cache: Path) -> dict[str, str]:
    """The environment with compiled bytecode written and reused (in ``cache``, not the tree).

    Without it (``PYTHONDONTWRITEBYTECODE=1``, as set on this VM), every process
    compiles connector_rollup's modules from source again (about 50 ms), which an
    installed package does only on its first run.
    """
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _wall(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{cmd} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return seconds


def process_figures(path: Path, runs: int, env: dict[str, str] | None) -> dict[str, float]:
    """Medians of ``runs`` interleaved runs: imports, the calamine read, the validate process.

    Each is run once first, unmeasured: the file in the page cache, bytecode compiled.
    """
    python = sys.executable
    has_hypothesis = importlib.util.find_spec("hypothesis") is not None
    measures = {
        "empty interpreter": lambda: _wall([python, "-c", "pass"], env),
        "import pandas, pandera.pandas": lambda: _wall([python, "-c", STACK_IMPORTS], env),
        "  + openpyxl": lambda: _wall([python, "-c", STACK_IMPORTS + ", openpyxl"], env),
    }
    if has_hypothesis:
        measures["  + hypothesis"] = lambda: _wall(
            [python, "-c", STACK_IMPORTS + ", hypothesis"], env
        )
    measures["read every cell (python-calamine)"] = lambda: best_of(lambda: read_calamine(path), 1)
    measures["connector-rollup validate"] = lambda: _wall(
        _validate_command() + ["validate", str(path)], env
    )
    if has_hypothesis:
        measures["connector-rollup validate, no hypothesis"] = lambda: _wall(
            [python, "-c", WITHOUT_HYPOTHESIS, "validate", str(path)], env
        )
    for measure in measures.values():
        measure()
    samples: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, measure in measures.items():
            samples[name].append(measure())
    return {name: statistics.median(values) for name, values in samples.items()}


def print_process_figures(path: Path, runs: int, env: dict[str, str] | None) -> None:
    figures = process_figures(path, runs, env)
    imports = figures["import pandas, pandera.pandas"]
    read = figures["read every cell (python-calamine)"]
    print(
        f"\nWhole process (issue 8 target (a)), {path.name}, median of {runs} interleaved runs; "
        f"{os.cpu_count()} cores; bytecode "
        + ("compiled once and reused:" if env else "as this environment sets it:")
    )
    for name, seconds in figures.items():
        extra = ""
        if name.startswith("  + "):
            extra = f"   ({(seconds - imports) * 1000:+.0f} ms over the stack's imports)"
        print(f"  {name:<42} {seconds * 1000:8.0f} ms{extra}")
    for name in ("connector-rollup validate", "connector-rollup validate, no hypothesis"):
        if name not in figures:
            continue
        ratio = (figures[name] - imports) / read
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(
            f"  ({name} - imports) / read = ({figures[name] * 1000:.0f} - {imports * 1000:.0f}) / "
            f"{read * 1000:.0f} = {ratio:.2f}x   target {TARGET:g}x: {verdict}"
        )
    if "connector-rollup validate, no hypothesis" not in figures:
        print("  (hypothesis is not installed here: the validate process above is a coordinator's)")


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
    parser.add_argument(
        "--process-runs", type=int, default=7, help="runs of each whole-process figure (median)"
    )
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run the processes with this environment's bytecode setting as it is "
        "(default: compiled bytecode written to a temporary folder and reused)",
    )
    parser.add_argument(
        "--process-only",
        action="store_true",
        help="only the whole-process figures (target (a)), not the in-process breakdown",
    )
    args = parser.parse_args(argv)
    registry = load_registry()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        workbooks = bench_workbooks(folder, args.rows)
        env = None if args.no_bytecode_cache else _bytecode_env(Path(tmp) / "pycache")
        print_process_figures(workbooks["inline strings (openpyxl)"], args.process_runs, env)
        if args.process_only:
            return
        for label, path in workbooks.items():
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
