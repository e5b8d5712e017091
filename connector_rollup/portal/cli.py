"""``connector-rollup portal``: serve the portal and manage its accounts (portal.md "Commands")."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from connector_rollup.options import (
    PORTAL_DATA,
    communities_option,
    raw_option,
    reports_option,
    warehouse_option,
)
from connector_rollup.registry import RegistryError, load_registry

DEFAULT_URL = "http://127.0.0.1:8000"

data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=PORTAL_DATA,
    show_default=True,
    help="The portal's folder: its SQLite database and stored uploads.",
)


def _fail(sentence: str) -> None:
    click.echo(sentence, err=True)
    sys.exit(2)


def _registry(path: Path | None):
    try:
        return load_registry(path)
    except RegistryError as exc:
        _fail(str(exc))


def portal_url() -> str:
    """Where people reach the portal, for the links printed: CONNECTOR_ROLLUP_PORTAL_URL."""
    return os.environ.get("CONNECTOR_ROLLUP_PORTAL_URL", DEFAULT_URL).rstrip("/")


@click.group()
def portal() -> None:
    """The submission portal: coordinators upload, check and submit their workbooks."""


@portal.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@data_option
@raw_option("Where submitted workbooks are written (the folder `connector-rollup run` reads).")
@communities_option
@warehouse_option(
    "The warehouse roll-ups started from the portal write (its review and decisions files beside it)."
)
@reports_option("The reports roll-ups started from the portal write.")
@click.option(
    "--demo",
    is_flag=True,
    help="Set up demo accounts over the bundled sample (in --data and --raw) and print how to sign in.",
)
def serve(
    host: str,
    port: int,
    data_dir: Path,
    raw_dir: Path,
    communities: Path | None,
    warehouse: Path,
    reports_dir: Path,
    demo: bool,
) -> None:
    """Run the portal until stopped (Ctrl-C).

    Behind HTTPS in production: see the README's section for the secretariat.

    With --demo and none of --data, --raw, --warehouse, --reports given, the demo
    keeps everything under data/demo/, apart from the real roll-up's folders.

    Example: connector-rollup portal serve --demo
    """
    import uvicorn

    from connector_rollup.portal.app import create_app
    from connector_rollup.portal.db import connect
    from connector_rollup.portal.settings import Settings

    if demo:
        data_dir, raw_dir, warehouse, reports_dir = _demo_folders(
            data_dir, raw_dir, warehouse, reports_dir
        )
    registry = _registry(communities)
    try:
        connect(data_dir).close()
        raw_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(
            f"The portal cannot use {data_dir} or {raw_dir}: {exc.strerror}. Give folders it may write."
        )
    if demo:
        from connector_rollup.portal.demo import set_up

        os.environ.setdefault("CONNECTOR_ROLLUP_PORTAL_URL", f"http://{host}:{port}")
        click.echo(set_up(data_dir, raw_dir, registry, portal_url()))
    from connector_rollup.rollup.identity import DecisionsError

    settings = Settings(
        data_dir=data_dir,
        raw_dir=raw_dir,
        registry=registry,
        warehouse=warehouse,
        reports_dir=reports_dir,
        communities_path=communities,
    )
    try:
        app = create_app(settings)
    except DecisionsError as exc:
        _fail(str(exc))
    _read_raw_folder_meanwhile(settings)
    click.echo(f"The portal is at http://{host}:{port}/ (Ctrl-C stops it).")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)
    except SystemExit:
        _fail(f"The portal cannot listen on {host}:{port}: is another program using that port?")


DEMO_HOME = Path("data/demo")


def _demo_folders(data_dir: Path, raw_dir: Path, warehouse: Path, reports_dir: Path):
    """The demo's folders: data/demo/... for each one left at its default, so the demo neither
    reads a raw folder already in use nor writes over the real warehouse and reports."""
    source = click.get_current_context().get_parameter_source
    defaulted = lambda name: source(name) == click.core.ParameterSource.DEFAULT  # noqa: E731
    return (
        DEMO_HOME / "portal" if defaulted("data_dir") else data_dir,
        DEMO_HOME / "raw" if defaulted("raw_dir") else raw_dir,
        DEMO_HOME / "warehouse.duckdb" if defaulted("warehouse") else warehouse,
        DEMO_HOME / "reports" if defaulted("reports_dir") else reports_dir,
    )


def _read_raw_folder_meanwhile(settings) -> None:
    """Read --raw's workbooks for the quarter board in the background, so its first view is quick."""
    import threading

    from connector_rollup.portal import quarter
    from connector_rollup.portal.db import connect

    def work() -> None:
        conn = connect(settings.data_dir)
        try:
            quarter.refresh_raw_index(conn, settings)
        except Exception:  # the board reads the folder itself when asked, and says what fails
            pass
        finally:
            conn.close()

    threading.Thread(target=work, name="raw-index", daemon=True).start()


@portal.command("add-user")
@click.argument("email")
@click.option("--community", default=None, help="The coordinator's community code.")
@click.option("--secretariat", is_flag=True, help="A secretariat account (every community).")
@click.option("--name", default="", help="The person's name, as pages show it.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@data_option
@communities_option
def add_user(
    email: str,
    community: str | None,
    secretariat: bool,
    name: str,
    lang: str,
    data_dir: Path,
    communities: Path | None,
) -> None:
    """Create an account and print its one-time invitation link (valid 7 days).

    Example: connector-rollup portal add-user ana@example.org --community NS-HFX --lang fr
    """
    from connector_rollup.portal import accounts
    from connector_rollup.portal.db import connect

    if secretariat == (community is not None):
        _fail("Give either --community CODE (a coordinator) or --secretariat, not both or neither.")
    registry = _registry(communities)
    if community is not None and community.upper() not in registry:
        _fail(f"There is no community {community} in the registry: check the code (like NS-HFX).")
    conn = connect(data_dir)
    try:
        user, secret = accounts.add_user(
            conn,
            email,
            role="secretariat" if secretariat else "coordinator",
            community_code=community.upper() if community else None,
            name=name,
            language=lang,
            by="command line",
        )
    except accounts.AccountError as exc:
        _fail(str(exc))
    click.echo(f"Account created for {user.email}. Send them this link (valid 7 days, once):")
    click.echo(f"{portal_url()}/invite/{secret}")


def _account(data_dir: Path, email: str):
    """The portal's database and the account of ``email``; exit 2 with a sentence without one."""
    from connector_rollup.portal import accounts
    from connector_rollup.portal.db import connect

    conn = connect(data_dir)
    user = accounts.user_by_email(conn, email)
    if user is None:
        _fail(
            f"There is no account for {email}: create it with `connector-rollup portal add-user`."
        )
    return conn, user


@portal.command()
@click.argument("email")
@data_option
def invite(email: str, data_dir: Path) -> None:
    """Print a new invitation link for an existing account: its link expired, or the person
    forgot their password. Earlier links stop working; setting the password ends the
    account's sessions.

    Example: connector-rollup portal invite ana@example.org
    """
    from connector_rollup.portal import accounts, audit

    conn, user = _account(data_dir, email)
    secret = accounts.new_invitation(conn, user)
    audit.record(
        conn,
        "command line",
        "invitation_issued",
        community_code=user.community_code,
        detail=user.email,
    )
    click.echo(f"Send {user.email} this link (valid 7 days, once); it sets a new password:")
    click.echo(f"{portal_url()}/invite/{secret}")


@portal.command()
@click.argument("email")
@data_option
def token(email: str, data_dir: Path) -> None:
    """Print a new API token for the account, revoking its previous one.

    Example: connector-rollup portal token ana@example.org
    """
    from connector_rollup.portal import accounts

    conn, user = _account(data_dir, email)
    click.echo(accounts.new_api_token(conn, user, by="command line"))


@portal.command()
@click.option(
    "--quarter",
    default=None,
    help="The quarter, like 2026-27-Q2 (default: the reporting quarter, and the one before it"
    " until the reporting quarter's reminders begin).",
)
@data_option
@raw_option("The submitted workbooks (the folder `connector-rollup run` reads).")
@communities_option
@click.option(
    "--today",
    default=None,
    help="Act as if today were this day, YYYY-MM-DD (default: today).",
)
def remind(
    quarter: str | None,
    data_dir: Path,
    raw_dir: Path,
    communities: Path | None,
    today: str | None,
) -> None:
    """Email the coordinators whose quarter's workbook is due in 5 days or overdue.

    Each coordinator gets each reminder of a quarter once ('before' from 5 days
    before the due date, 'after' once it has passed). Needs the SMTP settings
    in the environment (CONNECTOR_ROLLUP_SMTP_HOST ...: docs/operations.md).
    Exit status 1 when some email could not be sent.

    Example: connector-rollup portal remind --quarter 2026-27-Q2
    """
    import datetime as dt

    from connector_rollup.periods import Period
    from connector_rollup.portal import reminders
    from connector_rollup.portal.db import connect
    from connector_rollup.portal.settings import Settings

    try:
        smtp = reminders.SmtpSettings.from_env()
    except reminders.SmtpError as exc:
        _fail(str(exc))
    if smtp is None:
        _fail(reminders.NOT_CONFIGURED)
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        _fail(f"--today is '{today}': give a day as YYYY-MM-DD, like 2026-11-09.")
    period = None
    if quarter is not None:
        period = Period.parse(quarter)
        if period is None:
            _fail(f"--quarter is '{quarter}': give a quarter like 2026-27-Q2.")
    settings = Settings(
        data_dir=data_dir,
        raw_dir=raw_dir,
        registry=_registry(communities),
        communities_path=communities,
    )
    conn = connect(data_dir)
    try:
        if period is None:
            outcomes = reminders.send_due_reminders(conn, settings, day, smtp, by="command line")
        else:
            outcomes = [
                reminders.send_reminders(conn, settings, period, day, smtp, by="command line")
            ]
    finally:
        conn.close()
    for outcome in outcomes:
        for line in reminders.outcome_lines(outcome):
            click.echo(line)
    if any(outcome.failed for outcome in outcomes):
        sys.exit(1)
