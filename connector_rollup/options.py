"""The command line's shared options and their defaults (interfaces.md "Command line"), written once
for `connector-rollup` and `connector-rollup portal`."""

from __future__ import annotations

from pathlib import Path

import click

RAW = Path("data/raw")
WAREHOUSE = Path("data/warehouse.duckdb")
REPORTS = Path("reports")
PORTAL_DATA = Path("data/portal")

communities_option = click.option(
    "--communities",
    "communities",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Community registry CSV (default: the registry shipped with connector-rollup).",
)


def raw_option(help: str):
    """``--raw DIR`` (``raw_dir``): the folder of submitted workbooks."""
    return click.option(
        "--raw",
        "raw_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=RAW,
        show_default=True,
        help=help,
    )


def warehouse_option(help: str):
    """``--warehouse FILE`` (``warehouse``): the DuckDB warehouse."""
    return click.option(
        "--warehouse",
        type=click.Path(dir_okay=False, path_type=Path),
        default=WAREHOUSE,
        show_default=True,
        help=help,
    )


def reports_option(help: str):
    """``--reports DIR`` (``reports_dir``): the reports folder."""
    return click.option(
        "--reports",
        "reports_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=REPORTS,
        show_default=True,
        help=help,
    )
