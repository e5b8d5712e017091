"""The ``connector-rollup`` command: a thin client over the library (see shared/spec/interfaces.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from connector_rollup.options import (
    RAW,
    communities_option,
    raw_option,
    reports_option,
    warehouse_option,
)
from connector_rollup.registry import RegistryError, load_registry


def _registry(path: Path | None):
    try:
        return load_registry(path)
    except RegistryError as exc:
        raise click.UsageError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="connector-rollup")
def main() -> None:
    """Roll up the National Connector Program's quarterly community submissions."""


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--lang",
    type=click.Choice(["en", "fr"]),
    default="en",
    show_default=True,
    help="Language of the sheets, headers, lists and instructions.",
)
def template(out: Path, lang: str) -> None:
    """Write the blank submission workbook communities fill in.

    Example: connector-rollup template submission.xlsx --lang fr
    """
    from connector_rollup.intake.template import write_template

    out.parent.mkdir(parents=True, exist_ok=True)
    write_template(out, lang=lang)
    click.echo(f"Wrote the {'French' if lang == 'fr' else 'English'} template to {out}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@communities_option
@click.option(
    "--raw",
    "raw_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the community's earlier submissions: check IDs against them too.",
)
@click.option(
    "--report",
    "report",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the feedback as Markdown to this file.",
)
@click.option(
    "--annotated",
    "annotated",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a copy of the workbook with problem cells marked and a Problems sheet.",
)
def validate(
    file: Path,
    communities: Path | None,
    raw_dir: Path | None,
    report: Path | None,
    annotated: Path | None,
) -> None:
    """Check one workbook the way the roll-up will, and say what to fix.

    Exit status: 0 no errors (warnings allowed), 1 row errors, 2 file rejected.

    Example: connector-rollup validate NS-HFX_2024-25-Q4.xlsx --annotated checked.xlsx
    """
    # Only what this command uses, imported here: `validate` must not pay for the roll-up's
    # stack (Prefect, DuckDB, matplotlib: tests/test_imports.py; docs/performance.md).
    from connector_rollup.escape import for_terminal
    from connector_rollup.intake import feedback
    from connector_rollup.intake.validate import validate_workbook

    registry = _registry(communities)
    if not file.is_file():
        click.echo(f"There is no file {file}: check the path and the file name.", err=True)
        sys.exit(2)
    submission = validate_workbook(file, registry)
    if raw_dir is not None and submission.status == "accepted":
        from connector_rollup.intake.workbooks import (
            validate_against_earlier,  # history, clean cache
        )

        submission = validate_against_earlier(submission, raw_dir, registry)
    click.echo(feedback.format_text(submission), nl=False)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(feedback.format_markdown(submission), encoding="utf-8")
        click.echo(f"\nFeedback written to {report}")
    if annotated is not None:
        if submission.status == "rejected":
            click.echo("\nNo annotated copy: the file itself was rejected (see above).")
        elif annotated.resolve() == file.resolve():
            raise click.UsageError("--annotated must name a new file, not the workbook itself.")
        else:
            annotated.parent.mkdir(parents=True, exist_ok=True)
            try:
                feedback.write_annotated(file, submission, annotated)
                click.echo(f"\nAnnotated copy written to {annotated}")
            except (
                feedback.AnnotatedCopyError
            ) as exc:  # the feedback above stands; only the copy failed
                click.echo(
                    f"\nNo annotated copy was written: {for_terminal(exc)}. "
                    "The feedback above lists every problem.",
                    err=True,
                )
    sys.exit(feedback.exit_status(submission))


@main.command()
@click.option("--quarter", required=True, help="The roll-up quarter, e.g. 2024-25-Q4.")
@raw_option("Folder read for *.xlsx submissions, at any depth.")
@click.option(
    "--clean",
    "clean_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/clean"),
    show_default=True,
    help="Folder for clean Parquet output.",
)
@warehouse_option("DuckDB warehouse file.")
@reports_option("Folder for the Markdown reports.")
@communities_option
@click.option(
    "--dask",
    "dask",
    envvar="CONNECTOR_ROLLUP_DASK",
    default=None,
    metavar="ADDRESS",
    help="Run the per-community intake on a Dask cluster: a scheduler address (tcp://HOST:8786), "
    "or 'local' (local:N) for N worker processes on this machine. "
    "Default: this process's threads. [env: CONNECTOR_ROLLUP_DASK]",
)
def run(
    quarter: str,
    raw_dir: Path,
    clean_dir: Path,
    warehouse: Path,
    reports_dir: Path,
    communities: Path | None,
    dask: str | None,
) -> None:
    """Run the quarterly national roll-up (a Prefect flow).

    Ctrl-C or SIGTERM stops it within seconds (exit status 130 or 143); the
    warehouse and the reports are then both the previous run's or both this
    run's, and the last line says which.

    Example: connector-rollup run --quarter 2024-25-Q4
    """
    from connector_rollup.periods import Period

    period = Period.parse(quarter)
    if period is None:
        raise click.ClickException(f"'{quarter}' is not a quarter: write it like 2024-25-Q4.")
    if not raw_dir.is_dir():
        raise click.ClickException(
            f"There is no folder {raw_dir}: give the submissions folder with --raw."
        )
    _registry(communities)  # a bad registry is said now, before Prefect starts
    from flows.runners import RunnerSettingError, check_reachable, task_runner

    try:  # a bad --dask is said now too, in one sentence
        check_reachable(dask)
    except RunnerSettingError as exc:
        raise click.ClickException(str(exc)) from None
    key_warning = _key_preflight()
    _decisions_preflight(warehouse.parent / "connector-decisions.csv")
    # Prefect's temporary server can take longer than its 20 s default to start on a fresh home.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    # No network here beyond package registries: telemetry would only log a failure.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The library's own warnings (a clean-cache entry rebuilt, ...) go to the run's log too.
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "connector_rollup")
    from connector_rollup.rollup.stopping import (
        signals_stop_the_run,
        stopped_by,
        temporary_prefect_server,
    )

    reports = reports_dir / period.label
    before = _published(warehouse)
    try:
        with (
            signals_stop_the_run()
        ):  # from here on, Ctrl-C and SIGTERM unwind through every clean-up
            from flows.rollup import rollup

            with temporary_prefect_server():
                result = rollup.with_options(task_runner=task_runner(dask))(
                    quarter=period.label,
                    raw_dir=str(raw_dir),
                    clean_dir=str(clean_dir),
                    warehouse=str(warehouse),
                    reports_dir=str(reports_dir),
                    communities=str(communities) if communities else None,
                )
    except BaseException as exc:
        stop = stopped_by(exc)
        if stop is None:
            if not isinstance(exc, Exception):
                raise
            # the flow's log above has the details for whoever maintains it
            click.echo(
                f"\nThe roll-up could not finish ({exc}): {_outputs_state(before, warehouse, reports)} "
                "The log above says where it stopped.",
                err=True,
            )
            sys.exit(1)
        click.echo(
            f"\nStopped by {stop.signal_name}: {_outputs_state(before, warehouse, reports)}",
            err=True,
        )
        sys.exit(stop.exit_status)
    click.echo(result.summary())
    if key_warning:  # again at the end, where the person who ran it reads
        click.echo(f"  Warning: {key_warning}")


def _published(warehouse: Path) -> tuple[int, int] | None:
    """What identifies the warehouse file now (a publication replaces it: a new inode), or None."""
    try:
        st = warehouse.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def _outputs_state(before: tuple[int, int] | None, warehouse: Path, reports: Path) -> str:
    """One sentence: whose warehouse and reports are in place after a run that did not finish.

    The roll-up publishes both in one swap (``connector_rollup.rollup.publish``), so
    the warehouse file having changed says the reports did too.
    """
    if _published(warehouse) != before:
        return (
            f"the warehouse ({warehouse}) and the reports ({reports}) are this run's, published before it "
            "stopped; only the review list or the run's summary may be missing."
        )
    if before is None:
        return f"no warehouse ({warehouse}) and no reports ({reports}) were published."
    return (
        f"the warehouse ({warehouse}) and the reports ({reports}) are the previous run's, unchanged "
        "(nothing of this run was published)."
    )


def _decisions_preflight(path: Path) -> None:
    """Refuse, in one sentence, a decisions file the flow would fail on."""
    from connector_rollup.rollup.identity import DecisionsError, load_decisions

    try:
        load_decisions(path)
    except DecisionsError as exc:
        raise click.ClickException(str(exc)) from None


def _key_preflight() -> str | None:
    """Refuse, in one sentence, a key setting the flow would fail on; the key file's warning, if any."""
    from connector_rollup.rollup.pseudonym import PseudonymKeyError, key_file_warning, load_key

    try:
        load_key()
    except PseudonymKeyError as exc:
        raise click.ClickException(str(exc)) from None
    warning = key_file_warning()
    if warning:
        click.echo(f"Warning: {warning}", err=True)
    return warning


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=RAW,
    show_default=True,
    help="Folder to write the sample submissions into.",
)
@click.option(
    "--seed", type=int, default=2026, show_default=True, help="Random seed: same seed, same files."
)
@click.option(
    "--scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Multiply every community's rows by this (same communities, same quarters), to measure growth.",
)
@communities_option
def sample(out: Path, seed: int, scale: float, communities: Path | None) -> None:
    """Write a synthetic set of submissions for every registered community.

    Example: connector-rollup sample --out data/raw --seed 7 --scale 10
    """
    from synthetic.sample import SAMPLE_QUARTER, write_sample

    paths = write_sample(out, seed=seed, registry=_registry(communities), scale=scale)
    click.echo(
        f"Wrote {len(paths)} sample submissions under {out} (latest quarter {SAMPLE_QUARTER})."
    )
    click.echo(f"Next: connector-rollup run --quarter {SAMPLE_QUARTER} --raw {out}")


@main.command("report")
@warehouse_option("DuckDB warehouse file (its pages file, WAREHOUSE.pages, is read beside it).")
@reports_option("Folder for the Markdown reports.")
def report_command(warehouse: Path, reports_dir: Path) -> None:
    """Rebuild the warehouse's quarter's reports from the warehouse alone: no workbook is read.

    Example: connector-rollup report --warehouse data/warehouse.duckdb --reports reports
    """
    from connector_rollup.rollup import report
    from connector_rollup.rollup.warehouse import exclusive_lock, pages_path

    if not warehouse.is_file():
        raise click.ClickException(f"There is no warehouse at {warehouse}: run the roll-up first.")
    try:
        with exclusive_lock(warehouse):  # not while a roll-up publishes this warehouse
            national = report.write_reports(warehouse, reports_dir)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if not pages_path(warehouse).is_file():
        click.echo(
            f"Warning: there is no pages file {pages_path(warehouse)}: workbooks are named by their "
            "content and problems are quoted as analysts see them.",
            err=True,
        )
    click.echo(f"Rebuilt the reports from {warehouse}: {national}")


@main.command("publish")
@click.option("--quarter", required=True, help="The quarter to publish, e.g. 2024-25-Q4.")
@warehouse_option("DuckDB warehouse file holding the roll-up of that quarter.")
@click.option("--note", default="", help="A note kept with the publication.")
def publish_command(quarter: str, warehouse: Path, note: str) -> None:
    """Record the figures of the warehouse's roll-up of a quarter as published.

    Nationally and for every community: the quarter, its fiscal year to date
    and cumulative. Every later roll-up lists the published figures it gives
    differently, and why, in the warehouse's revisions view and in the
    national report. A quarter may be published again.

    Exit status: 0 published; 2 no roll-up of that quarter (the sentence says why).

    Example: connector-rollup publish --quarter 2024-25-Q4 --note "Sent to the ministry"
    """
    from connector_rollup.escape import for_terminal
    from connector_rollup.rollup.publication import PublicationError, publish, store_path

    try:
        done = publish(warehouse, quarter, note)
    except PublicationError as exc:
        click.echo(for_terminal(str(exc)), err=True)
        sys.exit(2)
    figures = done["national"][done["period"]]
    click.echo(
        f"Published {done['period']} (publication {done['publication']}, roll-up {done['run_id']}) "
        f"at {done['published_at']} by {for_terminal(done['published_by'])}: nationally "
        f"{figures['connectees']:,} Connectees onboarded, {figures['connectors']:,} Connectors, "
        f"{figures['jobs']:,} Connectees in qualifying jobs this quarter; the figures of "
        f"{done['communities']} communities too."
    )
    click.echo(
        f"  Kept in {store_path(warehouse)}; analysts see them in the warehouse's publications "
        "and published_figures views."
    )


def _add_portal() -> None:
    from connector_rollup.portal.cli import portal  # click and the registry only: cheap

    main.add_command(portal)


_add_portal()

if __name__ == "__main__":
    main()
