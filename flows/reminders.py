"""The portal's reminders as a daily Prefect flow (the ``portal-reminders`` deployment in prefect.yaml).

Each day it emails the coordinators whose quarter's workbook is due within
five days or overdue, each reminder once (``connector_rollup.portal.reminders``):
for the reporting quarter (the latest that has ended) and the quarter before
it until the reporting quarter's own reminders begin. The flow only calls
``remind``, a plain function; the SMTP settings and the portal's address come
from the environment of the process that runs it (docs/operations.md).

Serve its schedule without a worker: ``python -m flows.reminders``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger

DEPLOYMENT = "portal-reminders"


def remind(
    data_dir: str = "data/portal",
    raw_dir: str = "data/raw",
    communities: str | None = None,
    today: str | None = None,
) -> list[str]:
    """Send the reminders due ``today`` (YYYY-MM-DD, default today); one sentence per email.

    Raises ``RuntimeError`` with the sentence when SMTP is not configured, so
    a scheduled run without it fails where the secretariat sees it.
    """
    from connector_rollup.portal import reminders
    from connector_rollup.portal.db import connect
    from connector_rollup.portal.settings import Settings
    from connector_rollup.registry import load_registry

    smtp = (
        reminders.SmtpSettings.from_env()
    )  # SmtpError (a ValueError) for settings that cannot work
    if smtp is None:
        raise RuntimeError(reminders.NOT_CONFIGURED)
    day = dt.date.fromisoformat(today) if today else dt.date.today()
    registry_path = Path(communities) if communities else None
    settings = Settings(
        data_dir=Path(data_dir),
        raw_dir=Path(raw_dir),
        registry=load_registry(registry_path),
        communities_path=registry_path,
    )
    conn = connect(settings.data_dir)
    try:
        outcomes = reminders.send_due_reminders(conn, settings, day, smtp, by="scheduled reminders")
    finally:
        conn.close()
    lines = [line for outcome in outcomes for line in reminders.outcome_lines(outcome)]
    failed = sum(len(outcome.failed) for outcome in outcomes)
    if failed:
        lines.append(f"{failed} reminder(s) could not be sent; the next run tries them again.")
    return lines


@flow(name="portal-reminders", log_prints=False)
def portal_reminders(
    data_dir: str = "data/portal",
    raw_dir: str = "data/raw",
    communities: str | None = None,
    today: str | None = None,
) -> list[str]:
    """Email the coordinators whose quarter's workbook is due soon or overdue (each reminder once)."""
    logger = get_run_logger()
    lines = remind(data_dir, raw_dir, communities, today)
    for line in lines:
        logger.info(line)
    return lines


def main() -> None:
    """Serve the deployment's daily schedule as prefect.yaml writes it (like flows/serve.py)."""
    from flows import serve

    spec = serve.deployment(name=DEPLOYMENT)
    portal_reminders.serve(
        name=spec["name"],
        schedules=serve.schedules(spec),
        parameters=spec.get("parameters") or {},
        description=spec["description"],
        tags=spec["tags"],
    )


if __name__ == "__main__":
    main()
