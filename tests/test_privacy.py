"""Personal data stays where it belongs: none in the warehouse, owner-only files, a guarded key.

Communities choose their own IDs, and some use email addresses or phone
numbers. Given workbooks like that, rolled up as the flow does (without
Prefect), expect no raw ID, name, email or phone in any table or view of the
warehouse; expect the values a community's own page quotes to be in the
secretariat's pages file beside it and nowhere in the warehouse, and the
reports rebuilt from those two files alone to be the run's; expect the
secretariat's files and the clean cache to be their owner's alone; expect a key setting that cannot work to be refused in one
sentence before the flow starts, and a key file open to others to be named
with its fix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import stat
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from connector_rollup.cli import main
from connector_rollup.intake import clean, feedback, history
from connector_rollup.intake import workbooks as intake
from connector_rollup.periods import Period
from connector_rollup.registry import load_registry
from connector_rollup.rollup import counting, identity, report, summary
from connector_rollup.rollup.identity import Decision, write_decisions_template, write_review_file
from connector_rollup.rollup.pseudonym import key_file_warning, load_key, person_key
from connector_rollup.rollup.warehouse import build_warehouse, pages_path
from tests.builders import connectee, connector, introduction, job, submission_rows, write_workbook

KEY = b"privacy-test-key"
QUARTER = Period.parse("2024-25-Q4")

# IDs as communities really write them: email addresses and phone numbers.
ANA = "ana.silva@example.ca"  # Connectee ID, also her email
RAVI = "+1 (902) 555-0111"  # Connectee ID, a phone number
MEI = "9025550122"  # Connectee ID, digits only
BOB = "bob.smith@example.org"  # Connector ID
JANE_1 = "jane.doe@example.org"  # Connector ID; the same name as JANE_2, nothing else shared
JANE_2 = "902 555 0188"  # Connector ID
DUPLICATE = "dup.person@example.net"  # a Connectee ID used twice: duplicate_id quotes it
# Personal IDs no email or phone pattern recognises: only keying the ID keeps them out.
GHOST = "Jean-Pierre Gagnon"  # an introduction names it, no Connector has it
PHANTOM = "+44 20 7946 0958"  # a job names it, no Connectee has it
LUC = "luc.tremblay@example.ca"  # ON-OTT Connector ID, decided different from BOB
IDS = [ANA, RAVI, MEI, BOB, JANE_1, JANE_2, DUPLICATE, GHOST, PHANTOM, LUC]
NAMES = ["Silva", "Ravi", "Kumar", "Mei", "Smith", "Jane Doe", "Tremblay", "Gagnon"]


def _hfx_workbook(path: Path) -> Path:
    return write_workbook(
        path,
        submission=submission_rows(community="NS-HFX", quarter="2024-25-Q4"),
        connectees=[
            connectee(ANA, **{"First name": "Ana", "Last name": "Silva", "Email": ANA}),
            connectee(
                RAVI,
                **{
                    "First name": "Ravi",
                    "Last name": "Kumar",
                    "Email": "ravi@example.ca",
                    "Phone": RAVI,
                },
            ),
            connectee(
                MEI,
                **{
                    "First name": "Mei",
                    "Last name": "Lin",
                    "Email": "mei@example.ca",
                    "Phone": MEI,
                },
            ),
            connectee(DUPLICATE, **{"Email": "dup1@example.ca"}),
            connectee(DUPLICATE, **{"Email": "dup2@example.ca"}),
        ],
        connectors=[
            connector(
                BOB,
                **{
                    "First name": "Bob",
                    "Last name": "Smith",
                    "Email": BOB,
                    "Phone": "902-555-0199",
                },
            ),
            connector(
                JANE_1,
                **{
                    "First name": "Jane",
                    "Last name": "Doe",
                    "Email": JANE_1,
                    "Phone": "902-555-0101",
                    "Organization": "Harbour Ltd",
                },
            ),
            connector(
                JANE_2,
                **{
                    "First name": "Jane",
                    "Last name": "Doe",
                    "Email": "jd@other.example",
                    "Phone": JANE_2,
                    "Organization": "Inland Co",
                },
            ),
        ],
        introductions=[
            introduction(ANA, BOB),
            introduction(RAVI, JANE_1),
            introduction(MEI, JANE_2),
            introduction(ANA, GHOST),
        ],
        jobs=[
            job(ANA, **{"Start date": dt.date(2025, 2, 1)}),
            job(RAVI, **{"Start date": dt.date(2025, 2, 1), "In field": "No"}),
            job(PHANTOM),
        ],
    )


def _ott_workbook(path: Path) -> Path:
    # In French: the messages that quote an ID are French sentences here.
    return write_workbook(
        path,
        lang="fr",
        submission=submission_rows(
            community="ON-OTT", quarter="2024-25-Q4", lang="fr", tracks_jobs="Non"
        ),
        connectees=[
            connectee(
                ANA,
                **{"First name": "Ana", "Last name": "Silva", "Email": ANA, "Category": "Newcomer"},
            )
        ],
        connectors=[
            connector(
                LUC,
                **{
                    "First name": "Bob",
                    "Last name": "Smith",
                    "Email": BOB,
                    "Phone": "613-555-0199",
                },
            )
        ],
        introductions=[introduction(ANA, LUC), introduction(ANA, GHOST)],
    )


def roll_up(raw: Path, clean_dir: Path, warehouse: Path, decisions=()) -> identity.IdentityResult:
    """The flow's steps, in its order, without Prefect (flows/rollup.py); reports in ``reports`` beside the warehouse."""
    checked = check(raw, clean_dir)
    submissions, effective = checked.submissions, checked.effective
    hist = history.build_history(effective)
    idres = identity.resolve_connectors(hist.connectors, decisions)
    counts = counting.count(
        hist.connectees,
        hist.connectors,
        hist.introductions,
        hist.jobs,
        idres.people[["community_code", "connector_id", "person_id"]],
        QUARTER.last_day,
    )
    quality = summary.quality_figures(
        submissions, effective, hist, idres, counting.summarise(counts)
    )
    build_warehouse(
        warehouse,
        quarter=QUARTER,
        events=counts.events,
        job_outcomes=counts.job_outcomes,
        submissions=summary.submissions_frame(submissions),
        issues=summary.issues_frame(submissions),
        review=idres.review,
        quality=quality,
        registry=load_registry(),
        key=KEY,
        page_workbooks=summary.page_workbooks_frame(submissions),
        page_problems=summary.page_problems_frame(submissions),
    )
    report.write_reports(warehouse, warehouse.parent / "reports")
    write_review_file(warehouse.parent / "connector-review.csv", idres.review, hist.connectors)
    return idres


def check(raw: Path, clean_dir: Path) -> history.Checked:
    """Every workbook under ``raw``, checked as the flow checks them (intake, history.check)."""
    registry = load_registry()
    fingerprint = clean.registry_fingerprint(registry)
    paths = intake.find_workbooks(raw)
    submissions = [s for s, _ in intake.intake_workbooks(paths, registry, clean_dir, fingerprint)]
    return history.check(submissions, {}, QUARTER)


@pytest.fixture(scope="module")
def rolled_up(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    raw = root / "raw"
    raw.mkdir()
    _hfx_workbook(raw / "hfx.xlsx")
    _ott_workbook(raw / "ott.xlsx")
    # BOB (NS-HFX) and LUC (ON-OTT) share name and email: one person, unless decided otherwise.
    decisions = [Decision(f"NS-HFX:{BOB}", f"ON-OTT:{LUC}", False)]
    idres = roll_up(raw, root / "clean", root / "warehouse.duckdb", decisions)
    return root, idres


def every_text(con) -> list[tuple[str, str, str]]:
    """(object, column, value) of every non-null value of every table and view, as text."""
    found = []
    objects = [
        (t, "table")
        for (t,) in con.execute(
            "select table_name from duckdb_tables() where not internal"
        ).fetchall()
    ]
    objects += [
        (v, "view")
        for (v,) in con.execute(
            "select view_name from duckdb_views() where not internal"
        ).fetchall()
    ]
    for name, _ in objects:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where table_name = ?", [name]
            ).fetchall()
        ]
        if not columns:  # a view's columns: describe it
            columns = [r[0] for r in con.execute(f'describe "{name}"').fetchall()]
        for column in columns:
            for (value,) in con.execute(
                f'select distinct "{column}"::varchar from "{name}" where "{column}" is not null'
            ).fetchall():
                found.append((name, column, value))
    return found


def test_the_inputs_really_quote_the_ids(rolled_up):
    """The fixture exercises what it should: ID-quoting issues, review pairs, counted people."""
    root, idres = rolled_up
    reasons = set(idres.review["reason"])
    assert {"same_name_no_link", "blocked_by_decision"} <= reasons, idres.review
    review_text = (root / "connector-review.csv").read_text(encoding="utf-8")
    for raw_id in (JANE_1, JANE_2, BOB, LUC):  # the secretariat's file names the records
        assert raw_id in review_text
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        codes = {c for (c,) in con.execute("select code from validation_issues").fetchall()}
        assert {"duplicate_id", "unknown_connector", "unknown_connectee"} <= codes, codes
        assert con.execute("select sum(connectees) from national_quarterly").fetchone()[0] >= 2


def test_no_raw_id_name_or_contact_in_any_table_or_view(rolled_up):
    root, _ = rolled_up
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        values = every_text(con)
    assert len({(o, c) for o, c, _ in values}) > 60  # every table and view was read
    digits = {raw_id: "".join(ch for ch in raw_id if ch.isdigit()) for raw_id in IDS}
    leaks = []
    for obj, column, value in values:
        low = value.lower()
        for raw_id in IDS:
            if raw_id.lower() in low or (
                digits[raw_id]
                and len(digits[raw_id]) >= 7
                and digits[raw_id] in "".join(filter(str.isdigit, low))
            ):
                leaks.append((obj, column, raw_id, value))
        leaks += [(obj, column, name, value) for name in NAMES if name.lower() in low]
        if "@" in value:
            leaks.append((obj, column, "@", value))
    assert leaks == []


def test_analysts_see_record_keys_in_the_review_list_and_messages(rolled_up):
    root, _ = rolled_up
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        records = {
            r
            for pair in con.execute("select record_a, record_b from review_list").fetchall()
            for r in pair
        }
        messages = [
            m
            for (m,) in con.execute(
                "select message from validation_issues where code = 'duplicate_id'"
            ).fetchall()
        ]
        person_keys = {k for (k,) in con.execute("select person_key from job_outcomes").fetchall()}
    assert {f"NS-HFX:{person_key(f'NS-HFX:{i}', KEY)}" for i in (JANE_1, JANE_2)} <= records
    assert messages and all(
        f"[key {person_key(f'NS-HFX:{DUPLICATE}', KEY)}]" in m for m in messages
    )
    # A Connectee's key in a message is their person_key in job_outcomes.
    assert person_key(f"NS-HFX:{ANA}", KEY) in person_keys


# --- the pages file: what a community's own page quotes, the secretariat's only ---------------


def quoted_values(warehouse: Path) -> set[str]:
    """The values the pages file quotes, as the workbooks hold them."""
    with duckdb.connect(str(pages_path(warehouse)), read_only=True) as con:
        return {
            v
            for (v,) in con.execute("select value from page_problems where value <> ''").fetchall()
        }


def test_the_pages_file_holds_what_the_pages_quote_for_the_secretariat_only(rolled_up):
    root, _ = rolled_up
    pages = pages_path(root / "warehouse.duckdb")
    assert pages.name == "warehouse.duckdb.pages" and mode(pages) == 0o600
    assert {DUPLICATE, GHOST, PHANTOM} <= quoted_values(root / "warehouse.duckdb")
    with duckdb.connect(str(pages), read_only=True) as con:
        comments = [
            c
            for (c,) in con.execute(
                "select comment from duckdb_tables() where not internal"
            ).fetchall()
        ]
    assert len(comments) == 3 and all(c.startswith("Not for analysts") for c in comments)
    # The community's own page quotes them (and names the file), from the pages file.
    page = (root / "reports" / QUARTER.label / "communities" / "NS-HFX.md").read_text()
    assert "hfx.xlsx" in page and GHOST in page and PHANTOM in page


def test_no_table_or_value_of_the_pages_file_is_in_the_analysts_warehouse(rolled_up):
    root, _ = rolled_up
    quoted = {v for v in quoted_values(root / "warehouse.duckdb") if v in IDS}
    assert len(quoted) >= 3
    with duckdb.connect(str(pages_path(root / "warehouse.duckdb")), read_only=True) as con:
        tables = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        values = every_text(con)
    assert tables.isdisjoint({obj for obj, _, _ in values})
    leaks = [(o, c, v) for o, c, v in values for q in quoted if q.lower() in v.lower()]
    assert leaks == []


def test_reports_rebuilt_from_the_warehouse_alone_are_the_runs(tmp_path):
    """No workbook left, no clean cache: `connector-rollup report` writes the run's reports again."""
    raw = tmp_path / "raw"
    (raw / "Ottawa").mkdir(parents=True)
    _hfx_workbook(raw / "hfx.xlsx")
    _ott_workbook(raw / "Ottawa" / "ott T4.xlsx")
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    roll_up(raw, tmp_path / "clean", warehouse)
    run = warehouse.parent / "reports" / QUARTER.label
    # What the flow itself put on each page before the pages file: each workbook's feedback.
    expected = {
        s.community_code: feedback.format_markdown(
            s,
            heading_level=3,
            title=report.workbook_label(s.file_name, s.period.label, s.submitted_on, s.language),
        )
        for s in check(raw, tmp_path / "clean").submissions
    }
    shutil.rmtree(raw)
    shutil.rmtree(tmp_path / "clean")
    again = tmp_path / "again"
    result = CliRunner().invoke(
        main, ["report", "--warehouse", str(warehouse), "--reports", str(again)]
    )
    assert result.exit_code == 0, result.output
    assert files(again / QUARTER.label) == files(run)
    assert set(expected) == {"NS-HFX", "ON-OTT"}
    for code, block in expected.items():
        page = (run / "communities" / f"{code}.md").read_text(encoding="utf-8")
        problems = page.split("\n## ")[-1]
        assert problems.split("\n\n", 1)[1].rstrip("\n") == block.strip(), code
    assert "ott T4.xlsx" in (run / "communities" / "ON-OTT.md").read_text(encoding="utf-8")


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- owner-only files ------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The most permissive umask a user may have: files would be created 0666."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_the_review_file_is_created_owner_only(rolled_up):
    root, _ = rolled_up
    assert mode(root / "connector-review.csv") == 0o600


def test_the_review_file_replaces_a_readable_one_and_leaves_no_temporary(tmp_path, open_umask):
    path = tmp_path / "connector-review.csv"
    path.write_text("old, readable by all\n", encoding="utf-8")
    path.chmod(0o644)
    result = identity.resolve_connectors(
        identity.pd.DataFrame(columns=list(identity.REQUIRED_COLUMNS)).astype("str")
    )
    write_review_file(
        path, result.review, identity.pd.DataFrame(columns=list(identity.REQUIRED_COLUMNS))
    )
    assert mode(path) == 0o600
    assert path.read_text(encoding="utf-8").startswith("record_a,record_b,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["connector-review.csv"]


def test_the_decisions_template_is_created_owner_only(tmp_path, open_umask):
    path = write_decisions_template(tmp_path / "connector-decisions.csv")
    assert mode(path) == 0o600
    with pytest.raises(FileExistsError):
        write_decisions_template(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["connector-decisions.csv"]


def test_the_clean_cache_is_owner_only(rolled_up):
    root, _ = rolled_up
    entries = [p for p in (root / "clean").iterdir()]
    assert entries
    for folder in entries:
        assert mode(folder) == 0o700, folder
        files = list(folder.iterdir())
        assert any(f.suffix == ".parquet" for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}


# --- the key -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_mode", "who"),
    [(0o644, "every local user"), (0o640, "its group"), (0o604, "every local user")],
)
def test_a_key_file_open_to_others_is_named_with_its_fix(tmp_path, file_mode, who):
    key_file = tmp_path / "rollup.key"
    key_file.write_text("s3cret\n", encoding="utf-8")
    key_file.chmod(file_mode)
    warning = key_file_warning({"CONNECTOR_ROLLUP_KEY_FILE": str(key_file)})
    assert warning is not None
    assert f"The key file {key_file} can be read by {who}" in warning
    assert warning.endswith(f"chmod 600 {key_file}")


def test_an_owner_only_key_file_or_a_key_in_the_environment_gives_no_warning(tmp_path):
    key_file = tmp_path / "rollup.key"
    key_file.write_text("s3cret\n", encoding="utf-8")
    key_file.chmod(0o600)
    assert key_file_warning({"CONNECTOR_ROLLUP_KEY_FILE": str(key_file)}) is None
    assert key_file_warning({"CONNECTOR_ROLLUP_KEY": "s3cret"}) is None
    assert key_file_warning({}) is None


def test_both_key_settings_are_refused(tmp_path):
    key_file = tmp_path / "rollup.key"
    key_file.write_text("s3cret\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unset CONNECTOR_ROLLUP_KEY to use the key file"):
        load_key({"CONNECTOR_ROLLUP_KEY": "other", "CONNECTOR_ROLLUP_KEY_FILE": str(key_file)})


class _FakeResult:
    def summary(self) -> str:
        return "Roll-up for 2024-25-Q4 done."


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run ``connector-rollup run`` with a stand-in flow; the calls to the flow are recorded."""
    import connector_rollup.rollup.stopping
    import flows.rollup

    calls = []

    def fake_rollup(**kwargs):
        calls.append(kwargs)
        return _FakeResult()

    fake_rollup.with_options = lambda **options: (
        fake_rollup
    )  # as a Prefect flow takes a task runner
    monkeypatch.setattr(flows.rollup, "rollup", fake_rollup)
    # no Prefect server for a stand-in flow
    monkeypatch.setattr(
        connector_rollup.rollup.stopping, "temporary_prefect_server", contextlib.nullcontext
    )
    for name in ("CONNECTOR_ROLLUP_KEY", "CONNECTOR_ROLLUP_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "raw").mkdir()

    def invoke(env: dict[str, str]):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return CliRunner().invoke(
            main,
            [
                "run",
                "--quarter",
                "2024-25-Q4",
                "--raw",
                str(tmp_path / "raw"),
                "--warehouse",
                str(tmp_path / "w.duckdb"),
            ],
        )

    invoke.calls = calls
    return invoke


def _one_sentence_error(result) -> str:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    return lines[0]


def test_run_refuses_both_key_settings_before_the_flow(cli, tmp_path):
    key_file = tmp_path / "rollup.key"
    key_file.write_text("s3cret\n", encoding="utf-8")
    key_file.chmod(0o600)
    result = cli({"CONNECTOR_ROLLUP_KEY": "other", "CONNECTOR_ROLLUP_KEY_FILE": str(key_file)})
    line = _one_sentence_error(result)
    assert "Both CONNECTOR_ROLLUP_KEY and CONNECTOR_ROLLUP_KEY_FILE are set" in line
    assert cli.calls == []


@pytest.mark.parametrize(
    ("content", "expected"), [(None, "There is no key file"), ("  \n", "is empty")]
)
def test_run_refuses_a_missing_or_empty_key_file_before_the_flow(cli, tmp_path, content, expected):
    key_file = tmp_path / "rollup.key"
    if content is not None:
        key_file.write_text(content, encoding="utf-8")
    line = _one_sentence_error(cli({"CONNECTOR_ROLLUP_KEY_FILE": str(key_file)}))
    assert expected in line and str(key_file) in line
    assert cli.calls == []


def test_run_warns_of_a_readable_key_file_before_and_after_the_flow(cli, tmp_path):
    key_file = tmp_path / "rollup.key"
    key_file.write_text("s3cret\n", encoding="utf-8")
    key_file.chmod(0o644)
    result = cli({"CONNECTOR_ROLLUP_KEY_FILE": str(key_file)})
    assert result.exit_code == 0, result.output
    assert len(cli.calls) == 1
    summary_at_the_end = result.output.split("Roll-up for 2024-25-Q4 done.")[1]
    assert f"chmod 600 {key_file}" in summary_at_the_end
