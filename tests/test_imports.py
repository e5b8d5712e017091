"""``connector-rollup validate`` imports only what it uses (issue 8, docs/performance.md).

A coordinator checking one workbook must not pay for the roll-up's stack:
Prefect (about 1.5 s to import), DuckDB, matplotlib, rapidfuzz. Each test runs
the command in a fresh interpreter, then reports which of those modules that
interpreter holds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from builders import connectee, connector, introduction, job, write_workbook

ROOT = Path(__file__).resolve().parents[1]
UNUSED_BY_VALIDATE = ("prefect", "duckdb", "matplotlib", "rapidfuzz")
# openpyxl (with PIL, ~150 ms) writes the annotated copy: loaded for --annotated only.
ANNOTATION_ONLY = ("openpyxl",)

# Runs `connector-rollup validate ARGS...` as the console script does, then prints, as JSON,
# its exit status and which of the watched modules were imported. `--also MODULE` imports
# MODULE first: the control that shows the probe sees an import when there is one.
PROBE = """
import importlib, json, sys
watched, also, args = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3:]
for name in also:
    importlib.import_module(name)
from connector_rollup.cli import main
try:
    main(["validate", *args], prog_name="connector-rollup")
    status = 0
except SystemExit as exc:
    status = exc.code
print(json.dumps({"status": status,
                  "imported": [m for m in watched if m in sys.modules]}))
"""


def _validate_in_fresh_interpreter(
    *args: object, also: tuple[str, ...] = (), watched: tuple[str, ...] = UNUSED_BY_VALIDATE
) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(watched), json.dumps(also)]
        + [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def workbook(tmp_path):
    return write_workbook(
        tmp_path / "ok.xlsx",
        connectees=[connectee("E1"), connectee("E2")],
        connectors=[connector("C1")],
        introductions=[introduction("E1", "C1")],
        jobs=[job("E1")],
    )


def test_validate_imports_no_prefect_duckdb_matplotlib(workbook, tmp_path):
    result = _validate_in_fresh_interpreter(
        workbook, "--report", tmp_path / "feedback.md", "--annotated", tmp_path / "checked.xlsx"
    )
    assert result["status"] == 0  # the command ran to its end, options included
    assert result["imported"] == []


def test_validate_without_annotated_copy_does_not_load_openpyxl(workbook, tmp_path):
    watched = UNUSED_BY_VALIDATE + ANNOTATION_ONLY
    plain = _validate_in_fresh_interpreter(workbook, "--report", tmp_path / "f.md", watched=watched)
    assert plain["status"] == 0 and plain["imported"] == []
    annotated = _validate_in_fresh_interpreter(
        workbook, "--annotated", tmp_path / "checked.xlsx", watched=watched
    )
    assert annotated["imported"] == ["openpyxl"]  # the control: the probe sees it when used


def test_validate_of_a_rejected_file_imports_none_of_them(tmp_path):
    bad = tmp_path / "not-a-workbook.xlsx"
    bad.write_bytes(b"not a zip")
    result = _validate_in_fresh_interpreter(bad)
    assert result["status"] == 2
    assert result["imported"] == []


def test_the_probe_sees_an_import_when_there_is_one(workbook):
    # The warehouse module imports DuckDB: were validate to import it, the tests above would fail.
    result = _validate_in_fresh_interpreter(workbook, also=("connector_rollup.rollup.warehouse",))
    assert result["status"] == 0
    assert "duckdb" in result["imported"]
