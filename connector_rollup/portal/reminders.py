"""Reminders (issue 10, item 6): the communities still owing a quarter's workbook, by email.

Each coordinator of a community that has not submitted (``missing``), has
only rejected files (``rejected``) or had its submission sent back
(``sent_back``) gets at most two emails a quarter, in their own language:

* ``before``: from ``days_before`` days before the due date through the due
  date itself;
* ``after``: once the due date has passed.

``due_reminders`` decides (a pure function); ``send_reminders`` sends through
SMTP, records each email in ``reminders_sent`` (so none goes twice) and in the
audit log (``reminder_sent``). Nothing is sent without SMTP settings in the
environment (``SmtpSettings.from_env``); the page ``/reminders`` shows the
digest either way.

SMTP settings (environment):

* ``CONNECTOR_ROLLUP_SMTP_HOST``: the server; unset, reminders are not sent.
* ``CONNECTOR_ROLLUP_SMTP_PORT``: default 587 (submission with STARTTLS);
  465 means TLS from the first byte (SMTPS).
* ``CONNECTOR_ROLLUP_SMTP_USER`` and ``CONNECTOR_ROLLUP_SMTP_PASSWORD``: the
  login, if the server asks for one.
* ``CONNECTOR_ROLLUP_SMTP_FROM``: the sender's address; default the user when
  it is an address.
* ``CONNECTOR_ROLLUP_SMTP_STARTTLS``: ``on`` or ``off``. Default on, except
  for a server on this machine (``localhost``, ``127.0.0.1``, ``::1``: a local
  relay or test server, where nothing crosses a network). A login with
  STARTTLS off to another machine is refused: the password would travel in
  clear text.

Emails link to the portal at ``CONNECTOR_ROLLUP_PORTAL_URL`` (default
``http://127.0.0.1:8000``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import os
import smtplib
import sqlite3
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Annotated, NamedTuple

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from connector_rollup.periods import Period
from connector_rollup.portal import audit
from connector_rollup.portal import quarter as quarters
from connector_rollup.portal.db import now
from connector_rollup.portal.pages import pages, reporting_quarter, see_other
from connector_rollup.portal.secretariat_pages import Secretariat
from connector_rollup.portal.settings import Settings
from connector_rollup.portal.web import ApiError, Config, Conn, check_csrf

log = logging.getLogger(__name__)

DAYS_BEFORE = 5  # the 'before' reminder goes out from this many days before the due date
OWING = ("missing", "rejected", "sent_back")  # board statuses that still owe a workbook
KINDS = ("before", "after")
DEFAULT_PORTAL_URL = "http://127.0.0.1:8000"
LOOPBACK = ("localhost", "127.0.0.1", "::1")
SMTP_TIMEOUT = 30  # seconds, per connection and command


# -- what is due (pure) --------------------------------------------------------------------


class Coordinator(NamedTuple):
    email: str
    community_code: str
    language: str  # "en" or "fr"


@dataclass(frozen=True)
class Reminder:
    """One email to send: ``kind`` ('before' or 'after') to ``email`` for a community's quarter."""

    period: str
    community_code: str
    community_name: str
    email: str
    language: str
    kind: str
    status: str  # the board's: missing, rejected or sent_back
    due: dt.date
    comment: str | None = None  # the secretariat's, when sent back


def reminder_kind(due: dt.date, today: dt.date, days_before: int = DAYS_BEFORE) -> str | None:
    """Which reminder is due ``today`` for a quarter due on ``due``: 'before', 'after' or None."""
    if today > due:
        return "after"
    if due - dt.timedelta(days=days_before) <= today:
        return "before"
    return None


def due_reminders(
    board_rows: Iterable[dict],
    coordinators: Iterable[Coordinator],
    period: Period | str,
    due: dt.date,
    today: dt.date,
    already_sent: Iterable[tuple[str, str, str]],
    days_before: int = DAYS_BEFORE,
) -> list[Reminder]:
    """The reminders to send ``today``, by community then email.

    ``board_rows`` are the quarter board's rows (``quarter.board``);
    ``already_sent`` holds (community_code, email, kind) of the reminders
    sent before (emails compared case-insensitively): none is sent twice.
    A community that submitted (on time or late) gets none.
    """
    kind = reminder_kind(due, today, days_before)
    if kind is None:
        return []
    label = period.label if isinstance(period, Period) else str(period)
    sent = {(code, mail.lower(), k) for code, mail, k in already_sent}
    by_community: dict[str, list[Coordinator]] = {}
    for c in coordinators:
        by_community.setdefault(c.community_code, []).append(c)
    found = []
    for row in sorted(board_rows, key=lambda r: r["community_code"]):
        if row["status"] not in OWING:
            continue
        code = row["community_code"]
        for c in sorted(by_community.get(code, ()), key=lambda c: c.email.lower()):
            if (code, c.email.lower(), kind) in sent:
                continue
            found.append(
                Reminder(
                    label,
                    code,
                    row.get("name") or code,
                    c.email,
                    c.language if c.language in ("en", "fr") else "en",
                    kind,
                    row["status"],
                    due,
                    row.get("comment"),
                )
            )
    return found


def quarters_to_remind(
    today: dt.date, due_days: int, days_before: int = DAYS_BEFORE
) -> list[Period]:
    """The quarters whose reminders the daily run looks at, oldest first.

    The reporting quarter (the latest that has ended), and the one before it
    until the reporting quarter's own 'before' reminders begin: a community
    still owing that one (or a coordinator added since) gets its 'after'
    reminder even if a day's run was missed.
    """
    current = reporting_quarter(today)
    previous = current.previous()
    starts = quarters.due_on(current, due_days) - dt.timedelta(days=days_before)
    return [previous, current] if today < starts else [current]


# -- the email -----------------------------------------------------------------------------


def portal_url() -> str:
    """Where coordinators reach the portal: CONNECTOR_ROLLUP_PORTAL_URL."""
    return os.environ.get("CONNECTOR_ROLLUP_PORTAL_URL", DEFAULT_PORTAL_URL).rstrip("/")


TEXTS = {
    "en": {
        "subject_before": "Reminder: the {quarter} workbook of {community} is due on {due}",
        "subject_after": "Overdue: the {quarter} workbook of {community} was due on {due}",
        "opening_before": (
            "This is a reminder from the National Connector Program secretariat: your "
            "community's workbook for the quarter {quarter} is due on {due}."
        ),
        "opening_after": (
            "The workbook of your community for the quarter {quarter} was due on {due}, "
            "and the secretariat has not received it yet."
        ),
        "community": "Community",
        "quarter": "Quarter",
        "period": "{first} to {last}",
        "due": "Due date",
        "status": "Status",
        "missing": "nothing submitted yet.",
        "rejected": (
            "the files uploaded so far were rejected: none could be read as the program's workbook."
        ),
        "sent_back": "the secretariat sent your submission back with this comment:",
        "todo_title": "What to do",
        "portal": "The portal",
        "todo_missing": (
            "sign in to the portal, upload the quarter's workbook (the template "
            "is on the portal's home page, in English and in French), read the check result "
            "and click Submit."
        ),
        "todo_rejected": (
            "sign in to the portal, open your latest upload to read why it was "
            "rejected, and upload a workbook made from the program's template. Then click "
            "Submit."
        ),
        "todo_sent_back": (
            "sign in to the portal, fix in your workbook what the comment asks, "
            "upload it again and click Submit."
        ),
        "closing": (
            "If you have submitted it in the last hours, thank you: you may ignore this "
            "message. Every coordinator of the community receives it. For help, reply to "
            "this email."
        ),
        "greeting": "Hello,",
        "signature": "The National Connector Program secretariat",
    },
    "fr": {
        "subject_before": (
            "Rappel\u00a0: le classeur {quarter} de {community} est à remettre au plus tard "
            "le {due}"
        ),
        "subject_after": (
            "En retard\u00a0: le classeur {quarter} de {community} était à remettre le {due}"
        ),
        "opening_before": (
            "Le secrétariat du Programme national des connecteurs vous rappelle que le "
            "classeur de votre communauté pour le trimestre {quarter} est à remettre au plus "
            "tard le {due}."
        ),
        "opening_after": (
            "Le classeur de votre communauté pour le trimestre {quarter} était à remettre le "
            "{due}, et le secrétariat ne l'a pas encore reçu."
        ),
        "community": "Communauté",
        "quarter": "Trimestre",
        "period": "du {first} au {last}",
        "due": "Date limite",
        "status": "Statut",
        "missing": "rien n'a encore été soumis.",
        "rejected": (
            "les fichiers téléversés jusqu'ici ont été rejetés\u00a0: aucun n'a pu être lu "
            "comme le classeur du programme."
        ),
        "sent_back": "le secrétariat vous a renvoyé votre soumission avec ce commentaire\u00a0:",
        "todo_title": "Que faire",
        "portal": "Le portail",
        "todo_missing": (
            "connectez-vous au portail, téléversez le classeur du "
            "trimestre (le modèle est sur la page d'accueil du portail, en français et en "
            "anglais), lisez le résultat de la vérification et cliquez sur Soumettre."
        ),
        "todo_rejected": (
            "connectez-vous au portail, ouvrez votre dernier "
            "téléversement pour savoir pourquoi il a été rejeté et téléversez un classeur "
            "fait à partir du modèle du programme. Cliquez ensuite sur Soumettre."
        ),
        "todo_sent_back": (
            "connectez-vous au portail, corrigez dans votre classeur ce "
            "que demande le commentaire, téléversez-le de nouveau et cliquez sur Soumettre."
        ),
        "closing": (
            "Si vous l'avez soumis dans les dernières heures, merci\u00a0: vous pouvez ignorer "
            "ce message. Tous les coordonnateurs de la communauté le reçoivent. "
            "Pour obtenir de l'aide, répondez à ce courriel."
        ),
        "greeting": "Bonjour,",
        "signature": "Le secrétariat du Programme national des connecteurs",
    },
}


def _date(day: dt.date, language: str) -> str:
    from babel.dates import format_date

    text = format_date(day, "long", locale="fr_CA" if language == "fr" else "en_CA")
    return "1er" + text[1:] if language == "fr" and day.day == 1 else text  # le 1er juillet


def email_text(reminder: Reminder, url: str | None = None) -> tuple[str, str]:
    """(subject, plain-text body) of ``reminder``, in its coordinator's language."""
    t = TEXTS.get(reminder.language, TEXTS["en"])
    lang = reminder.language if reminder.language in TEXTS else "en"
    url = (url or portal_url()).rstrip("/")
    period = Period.parse(reminder.period)
    community = f"{reminder.community_name} ({reminder.community_code})"
    due = _date(reminder.due, lang)
    colon = "\u00a0:" if lang == "fr" else ":"
    values = {"quarter": reminder.period, "community": community, "due": due, "url": url}
    status = t[reminder.status]
    if reminder.status == "sent_back" and reminder.comment:
        status += "\n  " + reminder.comment.strip().replace("\n", "\n  ")
    quarter_line = reminder.period
    if period is not None:
        span = t["period"].format(
            first=_date(period.first_day, lang), last=_date(period.last_day, lang)
        )
        quarter_line += f" ({span})"
    body = "\n".join(
        [
            t["greeting"],
            "",
            t[f"opening_{reminder.kind}"].format(**values),
            "",
            f"{t['community']}{colon} {community}",
            f"{t['quarter']}{colon} {quarter_line}",
            f"{t['due']}{colon} {due}",
            f"{t['status']}{colon} {status}",
            "",
            f"{t['todo_title']}{colon} " + t[f"todo_{reminder.status}"].format(**values),
            f"{t['portal']}{colon} {url}/",
            "",
            t["closing"],
            "",
            "-- ",
            t["signature"],
            "",
        ]
    )
    return t[f"subject_{reminder.kind}"].format(**values), body


def email_message(reminder: Reminder, sender: str, url: str | None = None) -> EmailMessage:
    """The reminder as an email (plain text, UTF-8) from ``sender``."""
    subject, body = email_text(reminder, url)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = reminder.email
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    message.set_content(body)
    message["Content-Language"] = reminder.language  # after set_content, which resets Content-*
    return message


# -- SMTP ----------------------------------------------------------------------------------


class SmtpError(ValueError):
    """SMTP settings that cannot work; the message is one sentence saying which to fix."""


_ON, _OFF = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = ""
    starttls: bool = True

    @property
    def implicit_tls(self) -> bool:
        """Port 465: TLS from the first byte (SMTPS), no STARTTLS."""
        return self.port == 465

    @property
    def tls(self) -> str | None:
        """How the connection is encrypted: 'TLS' (port 465), 'STARTTLS', or None."""
        return "TLS" if self.implicit_tls else ("STARTTLS" if self.starttls else None)

    @property
    def describe(self) -> str:
        """Where the emails go, for logs (never the password)."""
        return f"{self.host}:{self.port} ({self.tls or 'no TLS'}) from {self.sender}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SmtpSettings | None:
        """The settings in the environment; None without CONNECTOR_ROLLUP_SMTP_HOST.

        Raises ``SmtpError`` (one sentence) for settings that cannot work.
        """
        env = os.environ if environ is None else environ

        def get(name: str) -> str:
            return env.get(f"CONNECTOR_ROLLUP_SMTP_{name}", "").strip()

        host = get("HOST")
        if not host:
            return None
        port_text = get("PORT") or "587"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SmtpError(
                f"CONNECTOR_ROLLUP_SMTP_PORT is '{port_text}': give a port number like 587."
            )
        port = int(port_text)
        user = get("USER") or None
        password = env.get("CONNECTOR_ROLLUP_SMTP_PASSWORD") or None
        sender = get("FROM") or (user if user and "@" in user else "")
        if "@" not in sender:
            raise SmtpError(
                "Set CONNECTOR_ROLLUP_SMTP_FROM to the address reminders come from"
                " (like connecteurs@example.org)."
            )
        tls_text = get("STARTTLS").lower()
        if tls_text and tls_text not in _ON + _OFF:
            raise SmtpError(f"CONNECTOR_ROLLUP_SMTP_STARTTLS is '{tls_text}': write on or off.")
        starttls = tls_text in _ON if tls_text else host.lower() not in LOOPBACK
        if user and not starttls and port != 465 and host.lower() not in LOOPBACK:
            raise SmtpError(
                f"STARTTLS is off for {host}, which is another machine: the SMTP password would"
                " cross the network in clear text; set CONNECTOR_ROLLUP_SMTP_STARTTLS=on"
                " (or use port 465)."
            )
        if user and not password:
            raise SmtpError(
                "CONNECTOR_ROLLUP_SMTP_USER is set without CONNECTOR_ROLLUP_SMTP_PASSWORD:"
                " set both, or neither for a server that needs no login."
            )
        return cls(host, port, user, password, sender, starttls)

    def connect(self) -> smtplib.SMTP:
        """A connection, TLS and login done; raises ``smtplib.SMTPException`` or ``OSError``."""
        context = ssl.create_default_context()
        if self.implicit_tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
        try:
            if self.starttls and not self.implicit_tls:
                client.starttls(context=context)
            if self.user:
                client.login(self.user, self.password or "")
        except BaseException:
            client.close()
            raise
        return client


NOT_CONFIGURED = (
    "Reminders are not sent: no SMTP server is set. Set CONNECTOR_ROLLUP_SMTP_HOST"
    " (and _PORT, _USER, _PASSWORD, _FROM as needed; see docs/operations.md)."
)


# -- sending -------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What ``send_reminders`` did: the reminders sent, and those that failed with why."""

    period: str
    due: dt.date
    sent: list[Reminder] = field(default_factory=list)
    failed: list[tuple[Reminder, str]] = field(default_factory=list)


def coordinators(conn: sqlite3.Connection) -> list[Coordinator]:
    """Every active coordinator account, with its community and language."""
    rows = conn.execute(
        "SELECT email, community_code, language FROM users"
        " WHERE role = 'coordinator' AND active = 1 ORDER BY community_code, email"
    )
    return [Coordinator(r["email"], r["community_code"], r["language"]) for r in rows]


def sent_reminders(conn: sqlite3.Connection, period: str) -> list[dict]:
    """The reminders of ``period`` already sent, oldest first."""
    rows = conn.execute(
        "SELECT period, community_code, email, kind, sent_at FROM reminders_sent"
        " WHERE period = ? ORDER BY sent_at, community_code, email",
        (period,),
    )
    return [dict(r) for r in rows]


def digest(
    conn: sqlite3.Connection,
    settings: Settings,
    period: Period,
    today: dt.date,
    days_before: int = DAYS_BEFORE,
) -> dict:
    """The page's digest of ``period``: who still owes it, their coordinators, what is due today."""
    answer = quarters.quarter_board(conn, settings, period)
    due = dt.date.fromisoformat(answer["due_on"])
    people = coordinators(conn)
    sent = sent_reminders(conn, period.label)
    already = [(s["community_code"], s["email"], s["kind"]) for s in sent]
    due_now = due_reminders(answer["communities"], people, period, due, today, already, days_before)
    owing = []
    for row in answer["communities"]:
        if row["status"] not in OWING:
            continue
        code = row["community_code"]
        owing.append(
            row
            | {
                "coordinators": [c.email for c in people if c.community_code == code],
                "sent": [s for s in sent if s["community_code"] == code],
            }
        )
    return {
        "period": period.label,
        "due": due,
        "today": today,
        "before_from": due - dt.timedelta(days=days_before),
        "after_from": due + dt.timedelta(days=1),
        "total": len(answer["communities"]),
        "owing": owing,
        "sent": sent,
        "due_now": due_now,
    }


class _Mailer:
    """One SMTP connection for a batch, opened on first use and again after it drops.

    A connection that cannot be opened (no answer, TLS or login refused) is
    not tried again for each of the batch's other emails: they fail with the
    same reason, so a server that does not answer costs one timeout, not 44.
    """

    def __init__(self, smtp: SmtpSettings):
        self.smtp, self.client = smtp, None
        self.cannot_connect: BaseException | None = None

    def send(self, message: EmailMessage) -> None:
        if self.cannot_connect is not None:
            raise self.cannot_connect
        if self.client is None:
            try:
                self.client = self.smtp.connect()
            except (smtplib.SMTPException, OSError) as exc:
                self.cannot_connect = exc
                raise
        try:
            self.client.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()  # the next email opens a new connection
            raise

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None


def _why(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = ", ".join(f"{c} {m.decode(errors='replace')}" for c, m in exc.recipients.values())
        return f"the server refused the recipient ({codes})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server answered {exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
    return f"{type(exc).__name__}: {exc}"


def send_reminders(
    conn: sqlite3.Connection,
    settings: Settings,
    period: Period,
    today: dt.date,
    smtp: SmtpSettings,
    by: str | None = None,
    days_before: int = DAYS_BEFORE,
) -> Outcome:
    """Send the reminders of ``period`` due ``today`` through ``smtp``; returns what was sent.

    Each is claimed in ``reminders_sent`` before it is sent, so two runs at
    once (the daily flow and the page's button) never send one twice; an
    email that fails is logged, its claim removed (so a later run tries
    again) and the others are still sent. Each email sent is an audit event
    ``reminder_sent`` by ``by`` (the person or the program that asked).
    """
    found = digest(conn, settings, period, today, days_before)
    outcome = Outcome(period.label, found["due"])
    mailer = _Mailer(smtp)
    url = portal_url()
    try:
        for reminder in found["due_now"]:
            claimed = conn.execute(
                "INSERT OR IGNORE INTO reminders_sent (period, community_code, email, kind,"
                " sent_at) VALUES (?, ?, ?, ?, ?)",
                (reminder.period, reminder.community_code, reminder.email, reminder.kind, now()),
            ).rowcount
            if not claimed:
                continue  # another run sent it meanwhile
            try:
                mailer.send(email_message(reminder, smtp.sender, url))
            except (smtplib.SMTPException, OSError) as exc:
                why = _why(exc)
                log.warning(
                    "The %s reminder of %s for %s to %s was not sent: %s.",
                    reminder.kind,
                    reminder.period,
                    reminder.community_code,
                    reminder.email,
                    why,
                )
                conn.execute(
                    "DELETE FROM reminders_sent WHERE period = ? AND community_code = ?"
                    " AND email = ? AND kind = ?",
                    (reminder.period, reminder.community_code, reminder.email, reminder.kind),
                )
                outcome.failed.append((reminder, why))
                continue
            audit.record(
                conn,
                by,
                "reminder_sent",
                community_code=reminder.community_code,
                period=reminder.period,
                detail=f"{reminder.kind} reminder to {reminder.email} ({reminder.status})",
            )
            outcome.sent.append(reminder)
    finally:
        mailer.close()
    return outcome


def send_due_reminders(
    conn: sqlite3.Connection,
    settings: Settings,
    today: dt.date,
    smtp: SmtpSettings,
    by: str | None = None,
    days_before: int = DAYS_BEFORE,
) -> list[Outcome]:
    """The daily run: ``send_reminders`` for each of ``quarters_to_remind(today)``."""
    return [
        send_reminders(conn, settings, period, today, smtp, by, days_before)
        for period in quarters_to_remind(today, settings.due_days, days_before)
    ]


def outcome_lines(outcome: Outcome) -> list[str]:
    """What a run did, one sentence a line (the command line and the flow's log)."""
    lines = [
        f"Sent the '{r.kind}' reminder of {r.period} to {r.email} ({r.community_code}, {r.status})."
        for r in outcome.sent
    ]
    lines += [
        f"Did not send the '{r.kind}' reminder of {r.period} to {r.email} ({r.community_code}):"
        f" {why}."
        for r, why in outcome.failed
    ]
    if not lines:
        lines.append(
            f"No reminder of {outcome.period} is due today (due on {outcome.due.isoformat()})."
        )
    return lines


# -- the page ------------------------------------------------------------------------------

router = APIRouter()
Text = Annotated[str, Form()]


def _smtp_state() -> tuple[SmtpSettings | None, str | None]:
    """(settings, problem): the environment's SMTP settings, or the sentence why they cannot work."""
    try:
        return SmtpSettings.from_env(), None
    except SmtpError as exc:
        return None, str(exc)


@router.get("/reminders")
def reminders_page(
    request: Request,
    seen: Secretariat,
    conn: Conn,
    settings: Config,
    period: str | None = None,
    sent: int | None = None,
    failed: int | None = None,
) -> Response:
    quarter = Period.parse(period or "") or reporting_quarter()
    smtp, smtp_problem = _smtp_state()
    found = digest(conn, settings, quarter, dt.date.today())
    recent = [reporting_quarter()]
    for _ in range(7):
        recent.append(recent[-1].previous())
    if quarter not in recent:
        recent.insert(0, quarter)
    return pages(request).render(
        request,
        seen,
        "reminders.html",
        quarter=quarter.label,
        quarters=[p.label for p in recent],
        due_on=found["due"].isoformat(),
        before_from=found["before_from"].isoformat(),
        after_from=found["after_from"].isoformat(),
        total=found["total"],
        owing=found["owing"],
        sent=found["sent"],
        due_now=found["due_now"],
        smtp={"server": f"{smtp.host}:{smtp.port}", "tls": smtp.tls, "sender": smtp.sender}
        if smtp
        else None,
        smtp_problem=smtp_problem,
        just_sent=sent,
        just_failed=failed,
    )


@router.post("/reminders/send")
def send_now(
    seen: Secretariat, conn: Conn, settings: Config, period: Text = "", csrf: Text = ""
) -> Response:
    check_csrf(seen, csrf)
    quarter = Period.parse(period)
    if quarter is None:
        raise ApiError(400, "bad_request", "Give the quarter as 2026-27-Q2.")
    smtp, problem = _smtp_state()
    if smtp is None:
        raise ApiError(409, "smtp_not_configured", problem or NOT_CONFIGURED)
    outcome = send_reminders(conn, settings, quarter, dt.date.today(), smtp, by=seen.user.email)
    return see_other(
        f"/reminders?period={quarter.label}&sent={len(outcome.sent)}&failed={len(outcome.failed)}"
    )
