"""The quarterly national roll-up as a Prefect flow: it only orchestrates.

Each step is a task over plain functions of ``connector_rollup``; intake runs
one task per community (Prefect costs about 0.1 s a task run here, so never
one per row or file). Only the tasks that touch files retry. Workbooks are
cached on their SHA-256 in the clean folder, so a re-run with unchanged
files reads none of them again.

The warehouse and the quarter's reports are staged, then published together
(``connector_rollup.rollup.publish``): whatever stops a run, both are the previous
run's or both the new run's. A run first cleans up what a killed run left.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from connector_rollup import escape
from connector_rollup.intake import clean, history
from connector_rollup.intake import workbooks as intake
from connector_rollup.intake.workbooks import UNIDENTIFIED, Workbook  # noqa: F401 (the flow's types)
from connector_rollup.periods import Period
from connector_rollup.registry import Community, load_registry
from connector_rollup.rollup import (
    counting,
    identity,
    publication,
    publish,
    report,
    summary,
    warehouse,
)
from connector_rollup.rollup.pseudonym import key_file_warning, load_key
from connector_rollup.rollup.summary import (
    RollupResult,
    ignored_decisions_sentence,
    validation_summary,
)
from connector_rollup.rollup.warehouse import discard as discard_staged_warehouse
from connector_rollup.submission import Submission


@task(cache_policy=NONE)
def clean_up_stopped_runs(warehouse_path: str, reports_dir: str, clean_dir: str) -> list[str]:
    """Finish or undo a killed run's publication and remove the temporary files it left; say what was done."""
    done = publish.recover(warehouse_path, reports_dir)
    removed = clean.remove_leftovers(clean_dir)
    if removed:
        done.append(
            f"Removed {len(removed)} unfinished clean-cache folder(s) a stopped run left in {clean_dir}."
        )
    return done


@task(retries=2, retry_delay_seconds=2, cache_policy=NONE)
def discover(raw_dir: str, clean_dir: str, fingerprint: str) -> list[intake.Workbook]:
    """Every workbook under ``raw_dir`` with its hash and the community it names."""
    return intake.discover(raw_dir, clean_dir, fingerprint)


@task(retries=2, retry_delay_seconds=2, cache_policy=NONE)
def intake_community(
    code: str,
    workbooks: list[Workbook],
    registry: dict[str, Community],
    clean_dir: str,
    fingerprint: str,
    raw_dir: str,
) -> list[tuple[Submission, bool]]:
    """Validate one community's workbooks (or load them from the clean cache), named and attributed."""
    results = intake.intake_workbooks(
        [w.path for w in workbooks],
        registry,
        Path(clean_dir),
        fingerprint,
        [w.sha256 for w in workbooks],  # a cached workbook is not read again
    )
    return [
        (intake.named(submission, w.path, raw_dir, w.community_code, registry), cached)
        for w, (submission, cached) in zip(workbooks, results)
    ]


@task(cache_policy=NONE)
def build_history(
    submissions: list[Submission], modified: dict[str, float], quarter: Period
) -> tuple[history.Checked, history.History]:
    """Supersede, keep submissions up to the quarter, resolve IDs across them, latest version wins."""
    checked = history.check(submissions, modified, quarter)
    return checked, history.build_history(checked.effective)


@task(cache_policy=NONE)
def resolve_identity(connectors, decisions: list[identity.Decision]) -> identity.IdentityResult:
    """Who is the same Connector, with the secretariat's recorded decisions applied."""
    return identity.resolve_connectors(connectors, decisions)


@task(cache_policy=NONE)
def count_people(hist, people, quarter: Period) -> counting.Counts:
    """Apply the counting rules through the quarter's last day."""
    return counting.count(
        hist.connectees,
        hist.connectors,
        hist.introductions,
        hist.jobs,
        people[["community_code", "connector_id", "person_id"]],
        quarter.last_day,
    )


@task(retries=2, retry_delay_seconds=2, cache_policy=NONE)
def load_warehouse(
    path: str, quarter: Period, counts, submissions, idres, quality, registry, key, basis, run_id
) -> Path:
    """Build and check the warehouse beside ``path``, unpublished; return the staged file.

    Its pages file (the files' names, the problems as each community's page
    quotes them: the secretariat's) is staged beside it: the reports read those two only.
    ``basis`` is what the figures rest on (``summary.basis_frames``), which a
    publication snapshots; the publications store beside ``path`` is read in.
    """
    return warehouse.stage_warehouse(
        path,
        quarter=quarter,
        events=counts.events,
        job_outcomes=counts.job_outcomes,
        submissions=summary.submissions_frame(submissions),
        issues=summary.issues_frame(submissions),
        review=idres.review,
        quality=quality,
        registry=registry,
        key=key,
        page_workbooks=summary.page_workbooks_frame(submissions),
        page_problems=summary.page_problems_frame(submissions),
        basis=basis,
        run_id=run_id,
    )


@task(retries=2, retry_delay_seconds=2, cache_policy=NONE)
def write_reports(warehouse_path: str, reports_dir: str, quarter: Period) -> Path:
    """The reports, unpublished, in a temporary folder beside their place; return that folder.

    They read the staged warehouse and its pages file only (``report.write_reports``).
    """
    return report.stage_reports(
        warehouse_path, report.reports_folder(reports_dir, quarter), quarter=quarter
    )


@task(cache_policy=NONE)
def publish_outputs(
    staged_warehouse: Path, warehouse_path: str, staged_reports: Path, reports: Path
) -> None:
    """Swap the staged warehouse and reports in, both or neither."""
    publish.publish(staged_warehouse, warehouse_path, staged_reports, reports)


# Prefect's thread pool is unbounded by default: all 44 communities' workbooks would be read
# at once, in memory together, each reader with threads of its own. One community per core.
@flow(
    name="connector-rollup",
    log_prints=True,
    task_runner=ThreadPoolTaskRunner(max_workers=os.cpu_count() or 2),
)
def rollup(
    quarter: str | None = None,
    raw_dir: str = "data/raw",
    clean_dir: str = "data/clean",
    warehouse: str = "data/warehouse.duckdb",
    reports_dir: str = "reports",
    communities: str | None = None,
) -> RollupResult:
    """The quarterly national roll-up for ``quarter`` (default: the last complete quarter)."""
    logger = get_run_logger()
    period = Period.parse(quarter) if quarter else Period.containing(dt.date.today()).previous()
    if period is None:
        raise ValueError(f"'{quarter}' is not a quarter: write it like 2024-25-Q4.")
    registry = load_registry(communities)
    fingerprint = clean.registry_fingerprint(registry)
    key, demo_key = load_key()
    if (
        warning := key_file_warning()
    ) is not None:  # runs started by a deployment print no CLI preamble
        logger.warning(warning)
    data_dir = Path(warehouse).parent
    data_dir.mkdir(parents=True, exist_ok=True)
    decisions_file = data_dir / "connector-decisions.csv"
    if not decisions_file.exists():
        identity.write_decisions_template(decisions_file)
    for sentence in clean_up_stopped_runs(warehouse, reports_dir, clean_dir):
        logger.warning(sentence)

    workbooks = discover(raw_dir, clean_dir, fingerprint)
    not_read = [p.relative_to(raw_dir).as_posix() for p in intake.find_not_read(raw_dir)]
    if not_read:
        logger.warning(
            "Not read (not .xlsx workbooks; save them as .xlsx to include them): %s",
            ", ".join(map(escape.for_terminal, not_read)),
        )
    by_community: dict[str, list[Workbook]] = {}
    for w in workbooks:
        by_community.setdefault(w.community_code, []).append(w)
    futures = [
        intake_community.submit(code, group, registry, clean_dir, fingerprint, raw_dir)
        for code, group in sorted(by_community.items())
    ]
    results = _with_progress(futures, len(workbooks))
    submissions = [s for s, _ in results]
    cached = sum(hit for _, hit in results)
    logger.info(
        "Read %d workbooks (%d unchanged since the last run, not read again).",
        len(submissions),
        cached,
    )

    modified = {w.sha256: w.modified for w in workbooks}
    checked, hist = build_history(submissions, modified, period)
    submissions, effective = checked.submissions, checked.effective  # statuses and IDs settled
    decisions = identity.load_decisions(decisions_file)
    idres = resolve_identity(hist.connectors, decisions)
    ignored = [f"{d.record_a},{d.record_b}" for d in idres.ignored_decisions]
    if ignored:
        logger.warning(ignored_decisions_sentence(ignored, decisions_file))
    counts = count_people(hist, idres.people, period)
    quality = summary.quality_figures(
        submissions, effective, hist, idres, counting.summarise(counts)
    )
    basis = summary.basis_frames(effective, modified, decisions, hist)
    # Shared: no publication lands between reading the publications store and the swap.
    with publication.store_lock(warehouse):
        staged_warehouse = load_warehouse(
            warehouse,
            period,
            counts,
            submissions,
            idres,
            quality,
            registry,
            key,
            basis,
            str(flow_run.id) if flow_run.id else None,
        )
        staged_reports = None
        try:
            staged_reports = write_reports(staged_warehouse, reports_dir, period)
            publish_outputs(
                staged_warehouse,
                warehouse,
                staged_reports,
                report.reports_folder(reports_dir, period),
            )
        finally:  # not published (a failure, a signal): the staged files go; published: nothing is left to remove
            discard_staged_warehouse(staged_warehouse)
            if staged_reports is not None:
                shutil.rmtree(staged_reports, ignore_errors=True)
    national = report.reports_folder(reports_dir, period) / "national.md"
    review_file = identity.write_review_file(
        data_dir / "connector-review.csv", idres.review, hist.connectors
    )

    create_markdown_artifact(
        key="national-report",
        markdown=national.read_text(encoding="utf-8"),
        description=f"National report {period}",
    )
    create_markdown_artifact(
        key="validation-summary",
        markdown=validation_summary(submissions, not_read),
        description=f"Validation summary {period}",
    )
    headline = report.headline_figures(warehouse, period)
    return RollupResult(
        quarter=period.label,
        national_report=national,
        warehouse=Path(warehouse),
        headline=headline,
        workbooks={
            "found": len(submissions),
            "accepted": len(effective),
            "superseded": sum(s.status == "superseded" for s in submissions),
            "rejected": sum(s.status == "rejected" for s in submissions),
            "unchanged": cached,
        },
        demo_key=demo_key,
        review_file=review_file,
        decisions_file=decisions_file,
        not_read=not_read,
        ignored_decisions=ignored,
    )


def _with_progress(futures, total_workbooks: int) -> list[tuple[Submission, bool]]:
    """Wait for the intake tasks, showing a progress bar on a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    results: list[tuple[Submission, bool]] = []
    quiet = not os.isatty(2)
    with Progress(
        TextColumn("Reading workbooks"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=quiet,
        transient=True,
    ) as progress:
        bar = progress.add_task("intake", total=total_workbooks)
        for future in as_completed(futures):
            batch = future.result()
            results.extend(batch)
            progress.advance(bar, len(batch))
    return sorted(results, key=lambda r: (r[0].sha256, r[0].file_name))
