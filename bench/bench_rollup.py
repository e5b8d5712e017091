"""Benchmark the quarterly roll-up on the synthetic sample at 1x and 10x (issue: performance targets).

Prints, for each scale: the time to read every cell once (python-calamine,
the fastest reader), the roll-up's stages run as plain functions (intake =
read + validate, history, identity, counting, warehouse load, reports) with
peak memory, then the whole `connector-rollup run` through Prefect, cold (no
clean cache) and warm (unchanged workbooks), next to an empty Prefect flow,
and issue 8's target (c): the cold run beyond the empty flow, in reads of
every cell (at most 3x). Then, for each pair of scales in turn (1x -> 10x by
default), target (b): how much more time the rows cost (at most as many times
more as there are rows) and the peak memory of any process (under 2 GB).

    .venv/bin/python bench/bench_rollup.py            # 1x and 10x
    .venv/bin/python bench/bench_rollup.py --scales 1 # 1x only
    # 100x: one run of the stages, none through Prefect, samples kept in /tmp/bench100
    .venv/bin/python bench/bench_rollup.py --scales 100 --repeat 1 --prefect-runs 0 --root /tmp/bench100

Each scale runs in a fresh subprocess so its peak memory (ru_maxrss) is its own;
the process's peak so far (VmHWM) is also recorded after each stage, and each
stage is printed to stderr as it ends, so a run stopped midway says how far it got.
The VM's speed varies from minute to minute, so each figure is the best of
two or three runs (``--repeat``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = r'''
import json, resource, sys, time, collections
from pathlib import Path
import python_calamine
from connector_rollup.rollup import counting, identity, report, summary, warehouse
from connector_rollup.intake import history, workbooks as intake
from connector_rollup.periods import Period
from connector_rollup.rollup.pseudonym import load_key
from connector_rollup.intake.read import peek_community
from connector_rollup.registry import load_registry
from synthetic.sample import SAMPLE_QUARTER

raw, work, read_runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
registry, quarter = load_registry(), SAMPLE_QUARTER
paths = intake.find_workbooks(raw)
timings, peaks = {}, {}
started = time.perf_counter()

def peak_mb():
    """The process's peak resident memory so far (VmHWM), calamine's Rust allocations included."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def done(stage, t):
    timings[stage] = time.perf_counter() - t
    peaks[stage] = peak_mb()
    print(f"    [{time.perf_counter() - started:7.1f} s] {stage}: {timings[stage]:.2f} s, peak so far {peaks[stage]:.0f} MB",
          file=sys.stderr, flush=True)

def read_every_cell():
    cells = 0
    for path in paths:
        try:
            book = python_calamine.load_workbook(str(path))
        except Exception:
            continue
        for name in book.sheet_names:
            cells += sum(len(r) for r in book.get_sheet_by_name(name).to_python())
    return cells

best = float("inf")
for _ in range(read_runs):  # the VM's speed varies from minute to minute: the best of three
    t = time.perf_counter()
    cells = read_every_cell()
    best = min(best, time.perf_counter() - t)
timings["read every cell (calamine)"] = best
peaks["read every cell (calamine)"] = peak_mb()
print(f"    read every cell: {best:.2f} s, {cells:,} cells", file=sys.stderr, flush=True)

t = time.perf_counter()
groups = collections.defaultdict(list)
for path in paths:
    groups[peek_community(path.read_bytes())].append(path)
submissions = [s for group in groups.values() for s, _ in intake.intake_workbooks(group, registry)]
done("intake (read + validate)", t)

t = time.perf_counter()
checked = history.check(submissions, quarter=quarter)  # as the flow: replaced ones superseded
submissions, effective = checked.submissions, checked.effective
hist = history.build_history(effective)
done("history", t)

t = time.perf_counter()
idres = identity.resolve_connectors(hist.connectors)
done("identity", t)

t = time.perf_counter()
counts = counting.count(hist.connectees, hist.connectors, hist.introductions, hist.jobs,
                        idres.people[["community_code", "connector_id", "person_id"]], quarter.last_day)
done("counting", t)

t = time.perf_counter()
quality = summary.quality_figures(submissions, effective, hist, idres, counting.summarise(counts))
warehouse.build_warehouse(work / "warehouse.duckdb", quarter=quarter, events=counts.events,
    job_outcomes=counts.job_outcomes, submissions=summary.submissions_frame(submissions),
    issues=summary.issues_frame(submissions), review=idres.review, quality=quality,
    registry=registry, key=load_key()[0])
done("warehouse load", t)

t = time.perf_counter()
report.write_reports(work / "warehouse.duckdb", work / "reports", quarter=quarter, registry=registry)
done("reports", t)

rows = {k: len(v) for k, v in hist.frames().items()}
print(json.dumps({"files": len(paths), "cells": cells, "rows_read": sum(s.rows_read for s in submissions),
                  "history_rows": rows, "timings": timings, "peaks_mb": peaks, "peak_mb": peak_mb()}))
'''

RUN_TARGET = 3.0  # target (c): the run beyond Prefect's empty flow, in reads of every cell
PEAK_TARGET_MB = 2048  # target (b): peak memory under 2 GB

EMPTY_FLOW = "from prefect import flow\n@flow\ndef empty():\n    return 1\nempty()\n"


def _env(home: Path) -> dict[str, str]:
    env = dict(
        os.environ,
        PREFECT_HOME=str(home),
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    env.pop("PREFECT_API_URL", None)
    return env


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - t


def bench(
    scale: float, root: Path, repeat: int = 2, prefect_runs: int = 2, dask: str | None = None
) -> dict:
    """Run and print one scale's figures; return them for the comparison across scales."""
    raw, work = root / f"raw-{scale:g}", root / f"work-{scale:g}"
    work.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    from synthetic.sample import SAMPLE_QUARTER, write_sample

    marker = raw / ".bench-complete"  # a sample kept under --root is reused only if it was finished
    if marker.exists():
        print(f"\n== scale {scale:g}x: sample reused from {raw}", flush=True)
    else:
        t = time.perf_counter()
        write_sample(raw, seed=2026, scale=scale)
        marker.write_text("")
        print(
            f"\n== scale {scale:g}x: sample written in {time.perf_counter() - t:.1f} s", flush=True
        )
    runs = []
    for _ in range(repeat):  # best of `repeat` for each stage, highest peak memory
        out = subprocess.run(
            [python, "-c", STAGES, str(raw), str(work), "3" if repeat > 1 else "1"],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), flush=True)  # the raw figures, for the record
    result = dict(
        runs[0],
        timings={k: min(r["timings"][k] for r in runs) for k in runs[0]["timings"]},
        peak_mb=max(r["peak_mb"] for r in runs),
    )
    print(
        f"{result['files']} workbooks, {result['cells']:,} cells, {result['rows_read']:,} rows read; "
        f"history {result['history_rows']}"
    )
    read = result["timings"]["read every cell (calamine)"]
    for stage, seconds in result["timings"].items():
        print(
            f"  {stage:<28} {seconds:7.2f} s"
            + (f"   ({seconds / read:.1f}x read)" if stage != "read every cell (calamine)" else "")
            + f"   peak so far {max(r['peaks_mb'][stage] for r in runs):.0f} MB"
        )
    work_total = sum(v for k, v in result["timings"].items() if k != "read every cell (calamine)")
    print(f"  {'stages total':<28} {work_total:7.2f} s   ({work_total / read:.1f}x read)")
    print(f"  peak memory (stages, one process): {result['peak_mb']:.0f} MB", flush=True)
    figures = {
        "scale": scale,
        "rows": result["rows_read"],
        "read": read,
        "stages": work_total,
        "peak_mb": result["peak_mb"],
    }
    if prefect_runs < 1:
        return figures

    home = root / "prefect-home"
    env = _env(home)
    # The first flow on a new Prefect home also creates its database: not part of any run after.
    _timed([python, "-c", EMPTY_FLOW], env)
    empty = min(_timed([python, "-c", EMPTY_FLOW], env) for _ in range(prefect_runs))

    def cli(clean: str) -> list[str]:
        return [
            str(Path(python).parent / "connector-rollup"),
            "run",
            "--quarter",
            SAMPLE_QUARTER.label,
            "--raw",
            str(raw),
            "--clean",
            str(work / clean),
            "--warehouse",
            str(work / "wh.duckdb"),
            "--reports",
            str(work / "rep"),
        ]

    cold = min(
        _timed(cli(f"clean-{n}"), env) for n in range(prefect_runs)
    )  # each on an empty clean cache
    warm = min(_timed(cli(f"clean-{prefect_runs - 1}"), env) for _ in range(prefect_runs))
    # The largest resident set of any process waited for so far (the runs, Prefect's server).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"  Prefect empty flow {empty:.1f} s; roll-up cold {cold:.1f} s (+{cold - empty:.1f} s, "
        f"{(cold - empty) / read:.1f}x read); warm {warm:.1f} s (+{warm - empty:.1f} s); "
        f"peak memory of a process so far {peak:.0f} MB",
        flush=True,
    )
    ratio = (cold - empty) / read
    print(
        f"  target (c): the roll-up beyond Prefect's empty flow / reading every cell = "
        f"({cold:.1f} - {empty:.1f}) / {read:.2f} = {ratio:.1f}x; at most {RUN_TARGET:g}x: "
        f"{'met' if ratio <= RUN_TARGET else 'NOT met'}",
        flush=True,
    )
    figures.update(run_beyond_empty=cold - empty, peak_mb=max(result["peak_mb"], peak))
    if dask:  # the same cold run with the intake on Dask (`run --dask`), for comparison
        on_dask = min(
            _timed(cli(f"clean-dask-{n}") + ["--dask", dask], env) for n in range(prefect_runs)
        )
        print(
            f"  roll-up cold with --dask {dask}: {on_dask:.1f} s (+{on_dask - empty:.1f} s; "
            f"threads {cold:.1f} s)",
            flush=True,
        )
    return figures


def print_growth(small: dict, large: dict) -> None:
    """Target (b): ten times the rows cost at most ten times the time, peak memory under 2 GB."""
    rows = large["rows"] / small["rows"]
    print(
        f"\n== growth {small['scale']:g}x -> {large['scale']:g}x: {rows:.1f}x the rows "
        f"({small['rows']:,} -> {large['rows']:,})"
    )
    pairs = [("reading every cell", "read"), ("all stages, one process", "stages")]
    if "run_beyond_empty" in small and "run_beyond_empty" in large:
        pairs.append(("`run` beyond the empty flow", "run_beyond_empty"))
    for label, key in pairs:
        growth = large[key] / small[key]
        verdict = "met" if growth <= rows else "NOT met"
        print(
            f"  {label:<28} {small[key]:7.2f} s -> {large[key]:7.2f} s: {growth:.1f}x time "
            f"for {rows:.1f}x rows (at most {rows:.1f}x: {verdict})"
        )
    peak = max(small["peak_mb"], large["peak_mb"])
    print(
        f"  peak memory of any process {peak:,.0f} MB (under {PEAK_TARGET_MB:,} MB: "
        f"{'met' if peak < PEAK_TARGET_MB else 'NOT met'})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10])
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs of the stages per scale (best of)"
    )
    parser.add_argument(
        "--prefect-runs",
        type=int,
        default=2,
        help="cold and warm runs through Prefect per scale (best of); 0 skips them",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="keep samples and outputs here (a finished sample is reused); default a temporary folder",
    )
    parser.add_argument(
        "--dask",
        default=None,
        metavar="SETTING",
        help="also time a cold run with `run --dask SETTING` (e.g. local)",
    )
    args = parser.parse_args()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(
        f"machine: {os.cpu_count()} cores, {mem:.0f} GiB; python {sys.version.split()[0]}",
        flush=True,
    )
    if args.root:
        args.root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-rollup-") as tmp:
        results = [
            bench(scale, args.root or Path(tmp), args.repeat, args.prefect_runs, args.dask)
            for scale in args.scales
        ]
    for small, large in zip(results, results[1:]):
        print_growth(small, large)


if __name__ == "__main__":
    main()
