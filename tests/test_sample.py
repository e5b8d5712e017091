"""The synthetic sample: reproducible, complete, and wrong only where it means to be.

The workbooks are read back here with python-calamine and a few lines of
header matching, not with the project's reader or validator.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from connector_rollup import contract as C
from connector_rollup.periods import PROGRAM_START, Period
from connector_rollup.registry import Community, load_registry
from connector_rollup.values import INVALID, fold, parse_date, parse_id, parse_yes_no
from synthetic.sample import (
    DATE_ERROR_KINDS,
    ERROR_KINDS,
    SAMPLE_QUARTER,
    _make_plan,
    _rosters,
    describe_sample,
    write_sample,
    write_sample_files,
)

SCALE = 0.1
QUARTERS = [Period(2025, 3), Period(2025, 4), Period(2026, 1), Period(2026, 2)]
SMALL_REGISTRY = ("NS-HFX", "QC-MTL", "NT-YK", "ON-TOR")


@pytest.fixture(scope="module")
def registry() -> dict[str, Community]:
    return load_registry()


@pytest.fixture(scope="module")
def rosters(registry):
    """The people and events behind the sample at scale 1 (generated, not written)."""
    return _rosters(_make_plan(registry, 2026, 1.0, SAMPLE_QUARTER))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    return out, write_sample_files(out, seed=2026, scale=SCALE)


@pytest.fixture(scope="module")
def workbooks(sample):
    """Each readable workbook of the sample, read back: (SampleFile, {sheet key: rows})."""
    _, files = sample
    return [(f, _read(f.path)) for f in files if zipfile.is_zipfile(f.path)]


# --- a minimal read-back, independent of the project's reader -----------------------------

_SHEET_KEYS = {fold(name): "submission" for name in C.SUBMISSION_SHEET}
_SHEET_KEYS |= {fold(name): s.key for s in C.DATA_SHEETS for name in (s.english, s.french)}


def _read(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in wb.sheet_names:
        key = _SHEET_KEYS.get(fold(name))
        if key:
            out[key] = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return out


def _header(rows: list[list], sheet: C.Sheet) -> tuple[int, dict[str, int]]:
    """The header's Excel row number and the columns by key: the first row with all required."""
    names = {fold(h): c.key for c in sheet.columns for h in (c.english, c.french, c.key)}
    required = {c.key for c in sheet.required_columns}
    for i, row in enumerate(rows[:11]):
        columns = {names[fold(str(v))]: j for j, v in enumerate(row) if fold(str(v)) in names}
        if required <= columns.keys():
            return i + 1, columns
    raise AssertionError(f"no header row in sheet {sheet.key}")


def _records(rows: list[list], sheet: C.Sheet) -> tuple[dict[str, int], list[tuple[int, list]]]:
    """Columns by key and (Excel row, cells) of the non-blank data rows."""
    header, columns = _header(rows, sheet)
    data = [
        (n, r)
        for n, r in enumerate(rows[header:], start=header + 1)
        if any(v not in ("", None) for v in r)
    ]
    return columns, data


def _submission(rows: list[list]) -> dict[str, object]:
    labels = {fold(f.label(lang)): f.key for f in C.SUBMISSION_FIELDS for lang in ("en", "fr")}
    return {labels[fold(str(r[0]))]: r[1] for r in rows if r and fold(str(r[0])) in labels}


def _cell(row: list, columns: dict[str, int], key: str):
    j = columns.get(key)
    return None if j is None or j >= len(row) or row[j] == "" else row[j]


# --- tests ---------------------------------------------------------------------------------


def test_same_seed_same_bytes(sample, tmp_path):
    """Reproducible across processes too (another hash seed: no set order leaks into files)."""
    out, files = sample
    script = (
        "import sys; from synthetic.sample import write_sample; "
        f"write_sample(sys.argv[1], seed=2026, scale={SCALE})"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    again = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    expected = sorted(f.path.relative_to(out) for f in files)
    assert [p.relative_to(tmp_path) for p in again] == expected
    for p in again:
        original = out / p.relative_to(tmp_path)
        assert p.read_bytes() == original.read_bytes(), p.name
        assert p.stat().st_mtime == original.stat().st_mtime


def test_other_seed_other_content(tmp_path):
    registry = {code: c for code, c in load_registry().items() if code in SMALL_REGISTRY}
    first = write_sample(tmp_path / "a", seed=1, registry=registry, scale=0.05)
    second = write_sample(tmp_path / "b", seed=2, registry=registry, scale=0.05)
    cells = [[_read(p) for p in paths if zipfile.is_zipfile(p)] for paths in (first, second)]
    assert cells[0] != cells[1]


def test_only_sample_files_are_written(sample):
    out, files = sample
    written = {p for p in out.rglob("*") if p.is_file()}
    assert written == {f.path for f in files}
    assert all(p.suffix == ".xlsx" for p in written)


def test_one_workbook_per_community_and_quarter(workbooks, registry):
    plan = _make_plan(registry, 2026, SCALE, SAMPLE_QUARTER)
    found = collections.Counter()
    for f, sheets in workbooks:
        fields = _submission(sheets["submission"])
        period = Period.parse(fields["reporting_quarter"])
        assert (fields["community_code"], period) == (f.community_code, f.period)
        found[f.community_code, period] += 1
    assert len(plan.missing_last) == 2
    for code in registry:
        for period in QUARTERS:
            expected = 1
            if period == SAMPLE_QUARTER and code in plan.missing_last:
                expected = 0
            if period == SAMPLE_QUARTER and code == plan.resubmit:
                expected = 2  # the first copy and its correction
            assert found[code, period] == expected, (code, period.label)
    assert set(c for c, _ in found) - set(registry) == {plan.pilot.code}


def test_submission_sheet(workbooks, registry):
    for f, sheets in workbooks:
        fields = _submission(sheets["submission"])
        submitted = parse_date(fields["submitted_on"])
        assert submitted == f.submitted_on
        assert 14 <= (submitted - f.period.last_day).days <= 42
        assert parse_yes_no(fields["tracks_jobs"]) in (True, False)
        assert "@" in fields["coordinator_email"]
    superseded = [f for f, _ in workbooks if f.status == "superseded"]
    corrected = [
        f for f, _ in workbooks if f.status == "valid" and f.path.stem.endswith("_corrected")
    ]
    assert len(superseded) == len(corrected) == 1
    assert superseded[0].submitted_on < corrected[0].submitted_on
    assert superseded[0].path.stat().st_mtime < corrected[0].path.stat().st_mtime
    assert sum(superseded[0].rows.values()) < sum(corrected[0].rows.values())


def test_french_workbooks_have_french_sheet_names(sample, registry):
    _, files = sample
    for f in files:
        if not zipfile.is_zipfile(f.path):
            continue
        names = {fold(n) for n in CalamineWorkbook.from_path(str(f.path)).sheet_names}
        community = registry.get(f.community_code)
        french = community is not None and (
            community.province == "QC" or community.code in ("NB-EDM", "NB-MONC")
        )
        assert f.lang == ("fr" if french else "en")
        expected = (
            {"soumission", "connectes", "connecteurs"}
            if french
            else {"submission", "connectees", "connectors"}
        )
        assert expected <= names, f.path.name


def test_broken_files_are_there(sample, registry):
    _, files = sample
    rejected = {f.reason: f for f in files if f.status == "rejected"}
    assert len(rejected) == 3
    csv_file = next(f for r, f in rejected.items() if "CSV" in r)
    assert csv_file.path.suffix == ".xlsx" and not zipfile.is_zipfile(csv_file.path)
    text = csv_file.path.read_text(encoding="utf-8-sig")
    assert text.startswith(("Connectee ID,", "ID connecté,"))
    no_intro = next(f for r, f in rejected.items() if "Introductions" in r)
    assert "introductions" not in _read(no_intro.path) and "connectees" in _read(no_intro.path)
    unknown = next(f for r, f in rejected.items() if "registry" in r)
    assert unknown.community_code not in registry
    fields = _submission(_read(unknown.path)["submission"])
    assert fields["community_code"] == unknown.community_code


def test_dates_in_range_except_deliberate_errors(workbooks):
    bad_found = 0
    for f, sheets in workbooks:
        deliberate = {(e.sheet, e.row, e.column) for e in f.errors if e.kind in DATE_ERROR_KINDS}
        found = set()
        for sheet in C.DATA_SHEETS:
            if sheet.key not in sheets:
                continue
            columns, data = _records(sheets[sheet.key], sheet)
            dates = [c.key for c in sheet.columns if c.type == C.DATE]
            for row_no, row in data:
                for key in dates:
                    value = parse_date(_cell(row, columns, key))
                    in_range = value and PROGRAM_START <= value <= f.period.last_day
                    if value is INVALID or (value and not in_range):
                        found.add((sheet.key, row_no, key))
        assert found == deliberate, f.path.name
        bad_found += len(found)
    assert bad_found >= 5


def test_deliberate_errors_a_handful_in_a_few_files(sample):
    _, files = sample
    with_errors = [f for f in files if f.errors and f.status == "valid"]
    assert 5 <= len(with_errors) <= 10
    assert all(len(f.errors) <= 10 for f in with_errors)
    assert {e.kind for f in with_errors for e in f.errors} == set(ERROR_KINDS)
    assert any(f.lang == "fr" for f in with_errors)


def test_references_resolve_except_deliberate_errors(workbooks):
    """Introductions and jobs name IDs the community has submitted, but for the deliberate ones."""
    known: dict[str, dict[str, set[str]]] = collections.defaultdict(
        lambda: {"connectees": set(), "connectors": set()}
    )
    ordered = sorted(
        (x for x in workbooks if x[0].status == "valid"),
        key=lambda x: (x[0].period, x[0].community_code),
    )
    for f, sheets in ordered:
        ids = known[f.community_code]
        deliberate = {(e.sheet, e.row) for e in f.errors}
        for key in ("connectees", "connectors"):
            sheet = C.SHEETS_BY_KEY[key]
            columns, data = _records(sheets[key], sheet)
            ids[key] |= {
                parse_id(_cell(r, columns, sheet.unique_id))
                for n, r in data
                if (key, n) not in deliberate
            }
        references = (("introductions", ("connectees", "connectors")), ("jobs", ("connectees",)))
        for key, refs in references:
            if key not in sheets:
                continue
            columns, data = _records(sheets[key], C.SHEETS_BY_KEY[key])
            for n, row in data:
                unresolved = [
                    r for r in refs if parse_id(_cell(row, columns, r[:-1] + "_id")) not in ids[r]
                ]
                assert bool(unresolved) == (
                    (key, n) in deliberate
                    and any(
                        e.kind.startswith(("unknown", "job_unknown"))
                        for e in f.errors
                        if (e.sheet, e.row) == (key, n)
                    )
                ), (f.path.name, key, n)


def test_whole_roster_or_only_changes(workbooks, registry):
    plan = _make_plan(registry, 2026, SCALE, SAMPLE_QUARTER)
    rows = {
        (f.community_code, f.period): f.rows["connectees"]
        for f, _ in workbooks
        if f.status == "valid" and not f.errors
    }
    for code in registry:
        series = [rows.get((code, q)) for q in QUARTERS]
        if None in series:
            continue
        if code in plan.delta:
            assert series[0] > max(series[1:]), code
        else:
            assert series == sorted(series), code


def test_jobs_tracked_by_two_thirds(workbooks, registry):
    plan = _make_plan(registry, 2026, SCALE, SAMPLE_QUARTER)
    assert len(plan.non_tracking) == round(len(registry) / 3)
    for f, sheets in workbooks:
        tracks = parse_yes_no(_submission(sheets["submission"])["tracks_jobs"])
        assert tracks == (f.community_code not in plan.non_tracking)
        if not tracks and "jobs" in sheets:
            assert _records(sheets["jobs"], C.JOBS)[1] == []


def test_roster_sizes_at_scale_1(rosters):
    totals = collections.Counter()
    for r in rosters.values():
        totals.update(
            connectees=len(r.connectees),
            connectors=len(r.connectors),
            introductions=len(r.introductions),
            jobs=len(r.jobs),
        )
    for key, target in [
        ("connectees", 9000),
        ("connectors", 4500),
        ("introductions", 27000),
        ("jobs", 3500),
    ]:
        assert 0.9 * target <= totals[key] <= 1.1 * target, key
    sizes = sorted(len(r.connectees) for r in rosters.values())
    assert 5 <= sizes[-1] / sizes[0] <= 12
    reasons = {j.reason for r in rosters.values() for j in r.jobs}
    assert reasons == {
        "qualifies",
        "withdrawn",
        "connectee_not_onboarded",
        "before_program",
        "not_in_field",
        "below_experience",
        "noc_other_field",
        "noc_lower_teer",
    }
    dates = [p.applied for r in rosters.values() for p in r.connectees]
    assert min(dates) >= dt.date(2020, 7, 1) and max(dates) <= SAMPLE_QUARTER.last_day


def test_a_small_custom_registry(tmp_path):
    registry = {code: c for code, c in load_registry().items() if code in SMALL_REGISTRY}
    files = write_sample_files(tmp_path, seed=1, registry=registry, scale=0.05)
    assert {f.community_code for f in files} >= set(registry)
    assert describe_sample(seed=1, registry=registry)


def test_describe_names_what_is_deliberate(registry):
    text = describe_sample()
    plan = _make_plan(registry, 2026, 1.0, SAMPLE_QUARTER)
    for code in [*plan.missing_last, plan.resubmit, plan.csv_export, plan.pilot.code]:
        assert f"`{code}`" in text
    assert "supersedes" in text and "\n" not in text


def test_reader_tolerances_are_exercised(workbooks):
    seen = set()
    enums = C.ENUMERATIONS.values()
    own_labels = {(e.name, "en"): {en for en, _ in e.labels.values()} for e in enums}
    own_labels |= {(e.name, "fr"): {f for _, fr in e.labels.values() for f in fr} for e in enums}
    for f, sheets in workbooks:
        quarter = str(_submission(sheets["submission"])["reporting_quarter"])
        seen.add(
            "quarter "
            + quarter.replace(f.period.fiscal_year, "FY").replace(
                f"{f.period.start_year}-{f.period.start_year + 1}", "YYYY"
            )
        )
        if fold(str(sheets["submission"][0][0])) not in ("field", "champ"):
            seen.add("submission without header")
        for sheet in C.DATA_SHEETS:
            if sheet.key not in sheets:
                continue
            rows = sheets[sheet.key]
            header, columns = _header(rows, sheet)
            _, data = _records(rows, sheet)
            if header > 1:
                seen.add("title rows")
            in_contract_order = [c.key for c in sheet.columns if c.key in columns]
            if sorted(columns, key=columns.get) != in_contract_order:
                seen.add("shuffled columns")
            if len([v for v in rows[header - 1] if v not in ("", None)]) > len(columns):
                seen.add("unknown column")
            if data and data[-1][0] - header > len(data):
                seen.add("blank rows")
            for _, row in data:
                for c in sheet.columns:
                    v = _cell(row, columns, c.key)
                    if v is None:
                        continue
                    if c.type == C.ID and isinstance(v, (int, float)):
                        seen.add("ID as number")
                    elif c.type == C.NOC and isinstance(v, (int, float)) and v < 10000:
                        seen.add("NOC lost its leading zeros")
                    elif c.type == C.DATE and isinstance(v, str):
                        seen.add("ISO text date")
                    elif c.type == C.DATE and isinstance(v, (int, float)):
                        seen.add("serial number date")
                    elif c.type == C.DATE and isinstance(v, dt.datetime) and v.time() != dt.time():
                        seen.add("date with a time")
                    elif c.type == C.YES_NO and isinstance(v, bool):
                        seen.add("TRUE/FALSE cell")
                    elif c.type == C.ENUM and v not in own_labels[c.enumeration, f.lang]:
                        seen.add("label in the other language or a code")
    assert seen >= {
        "quarter FY-Q2",
        "quarter FY Q2",
        "quarter Q2 FY",
        "quarter FYFY Q2",
        "quarter YYYY Q2",
        "submission without header",
        "title rows",
        "shuffled columns",
        "unknown column",
        "blank rows",
        "ID as number",
        "NOC lost its leading zeros",
        "ISO text date",
        "serial number date",
        "date with a time",
        "TRUE/FALSE cell",
        "label in the other language or a code",
    }, seen


def test_no_accidental_identity_links(rosters):
    """People are the same across records only where the sample means it (counting-rules.md)."""
    emails = collections.defaultdict(set)
    for code, r in rosters.items():
        for p in r.connectees:
            if p.email:
                emails[p.email.lower()].add(code)
    assert sorted(len(v) for v in emails.values() if len(v) > 1) == [2, 2]  # the two who moved
    links = collections.defaultdict(set)
    for code, r in rosters.items():
        for c in r.connectors:
            record = (code, c.id)
            links["name", fold(f"{c.first} {c.last}")].add(record)
            if c.email:
                links["email", c.email.lower()].add(record)
    shared_names = sorted(k[1] for k, v in links.items() if k[0] == "name" and len(v) > 1)
    assert shared_names == [
        "amina_diallo",
        "jean_francois_cote",
        "kwame_mensah",
        "michael_smith",
        "priya_raman",
        "robert_macdonald",
    ]
    shared_emails = sorted(
        k[1].split("@")[0] for k, v in links.items() if k[0] == "email" and len(v) > 1
    )
    assert shared_emails == ["amina.diallo", "info", "robert.macdonald", "sarah.thompson"]
