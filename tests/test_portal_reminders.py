"""Reminders (issue 10, item 6): who is due one, the emails, sent once, the page, the command.

Emails go to a local aiosmtpd server on a free port of this machine, never a real one.
"""

from __future__ import annotations

import datetime as dt
import email
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from fastapi.testclient import TestClient
from portal_harness import CBRT, HFX, Q1, SEC, make_portal

from connector_rollup.periods import Period
from connector_rollup.portal import accounts, audit, reminders
from connector_rollup.portal.pages import reporting_quarter
from connector_rollup.portal.reminders import Coordinator, Reminder, SmtpSettings, due_reminders
from connector_rollup.portal.web import SESSION_COOKIE

PERIOD = Period.parse("2026-27-Q2")
DUE = dt.date(2026, 11, 14)  # 45 days after 2026-09-30
CBRT_FR = "coordo@cbrt.example.org"
REFUSED = "gone@cbrt.example.org"


def _row(code, status, comment=None):
    return {"community_code": code, "name": code.title(), "status": status, "comment": comment}


BOARD = [
    _row("NS-HFX", "submitted"),
    _row("NS-CBRT", "missing"),
    _row("NS-TRUR", "late"),
    _row("QC-MTL", "sent_back", "La feuille Emplois est vide."),
    _row("ON-TOR", "rejected"),
]
PEOPLE = [
    Coordinator("a@hfx.example.org", "NS-HFX", "en"),
    Coordinator("b@cbrt.example.org", "NS-CBRT", "en"),
    Coordinator("c@trur.example.org", "NS-TRUR", "en"),
    Coordinator("d@mtl.example.org", "QC-MTL", "fr"),
    Coordinator("e@tor.example.org", "ON-TOR", "en"),
]
OWING = ["NS-CBRT", "ON-TOR", "QC-MTL"]  # missing, rejected, sent back: by community code


def _due(today, already=()):
    found = due_reminders(BOARD, PEOPLE, PERIOD, DUE, today, already)
    return [(r.community_code, r.kind) for r in found]


# -- what is due ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, expected",
    [
        (dt.date(2026, 11, 8), []),  # six days before: not yet
        (dt.date(2026, 11, 9), [(c, "before") for c in OWING]),  # five days before
        (dt.date(2026, 11, 14), [(c, "before") for c in OWING]),  # the due day: still 'before'
        (dt.date(2026, 11, 15), [(c, "after") for c in OWING]),  # the day after
        (dt.date(2027, 1, 30), [(c, "after") for c in OWING]),  # long after, if never sent
    ],
)
def test_who_is_due_which_reminder_around_the_due_date(today, expected):
    assert _due(today) == expected


def test_a_reminder_already_sent_is_not_sent_again_whatever_the_emails_case():
    sent = [("NS-CBRT", "B@CBRT.example.org", "before"), ("ON-TOR", "e@tor.example.org", "before")]
    assert _due(dt.date(2026, 11, 12), sent) == [("QC-MTL", "before")]
    # The 'after' reminder is another one: it goes even to those who had the first.
    assert _due(dt.date(2026, 11, 15), sent) == [(c, "after") for c in OWING]
    after = [(c, p.email, "after") for c in OWING for p in PEOPLE if p.community_code == c]
    assert _due(dt.date(2026, 11, 20), after) == []


def test_communities_that_submitted_get_none_and_each_coordinator_gets_one():
    people = [*PEOPLE, Coordinator("f@cbrt.example.org", "NS-CBRT", "fr")]
    found = due_reminders(BOARD, people, PERIOD, DUE, dt.date(2026, 11, 10), [])
    assert {r.community_code for r in found} == set(OWING)  # not NS-HFX (on time), NS-TRUR (late)
    assert [r.email for r in found if r.community_code == "NS-CBRT"] == [
        "b@cbrt.example.org",
        "f@cbrt.example.org",
    ]
    [mtl] = [r for r in found if r.community_code == "QC-MTL"]
    assert (mtl.language, mtl.status, mtl.comment) == ("fr", "sent_back", BOARD[3]["comment"])


def test_the_daily_run_looks_at_the_reporting_quarter_and_the_one_before_until_its_turn():
    # 2026-10-03: reporting quarter Q2 (due 2026-11-14); Q1 (due 2026-08-14) still looked at.
    assert [p.label for p in reminders.quarters_to_remind(dt.date(2026, 10, 3), 45)] == [
        "2026-27-Q1",
        "2026-27-Q2",
    ]
    assert [p.label for p in reminders.quarters_to_remind(dt.date(2026, 11, 9), 45)] == [
        "2026-27-Q2"
    ]


# -- the email text and the SMTP settings --------------------------------------------------


def test_the_french_email_of_a_sent_back_submission(monkeypatch):
    monkeypatch.setenv("CONNECTOR_ROLLUP_PORTAL_URL", "https://portail.example.org/")
    reminder = Reminder(
        "2026-27-Q2",
        "QC-MTL",
        "Montréal",
        "d@mtl.example.org",
        "fr",
        "after",
        "sent_back",
        DUE,
        "La feuille Emplois est vide.",
    )
    message = reminders.email_message(reminder, "connecteurs@example.org")
    assert (message["To"], message["Content-Language"]) == ("d@mtl.example.org", "fr")
    assert message["Subject"] == (
        "En retard\u00a0: le classeur 2026-27-Q2 de Montréal (QC-MTL) était à remettre le"
        " 14 novembre 2026"
    )
    body = message.get_content()
    assert "Date limite\u00a0: 14 novembre 2026" in body
    assert "Trimestre\u00a0: 2026-27-Q2 (du 1er juillet 2026 au 30 septembre 2026)" in body
    assert (
        "renvoyé votre soumission avec ce commentaire\u00a0:\n  La feuille Emplois est vide."
        in body
    )
    assert "Le portail\u00a0: https://portail.example.org/" in body
    assert re.search(r"(?<!\u00a0):", body.replace("https:", "")) is None  # no bare colon


def test_smtp_settings_from_the_environment():
    assert SmtpSettings.from_env({}) is None
    remote = SmtpSettings.from_env(
        {
            "CONNECTOR_ROLLUP_SMTP_HOST": "smtp.example.org",
            "CONNECTOR_ROLLUP_SMTP_USER": "rappels@example.org",
            "CONNECTOR_ROLLUP_SMTP_PASSWORD": "s3cret",
        }
    )
    assert (remote.port, remote.starttls, remote.sender) == (587, True, "rappels@example.org")
    assert "s3cret" not in repr(remote) and "s3cret" not in remote.describe
    local = SmtpSettings.from_env(
        {
            "CONNECTOR_ROLLUP_SMTP_HOST": "127.0.0.1",
            "CONNECTOR_ROLLUP_SMTP_PORT": "1025",
            "CONNECTOR_ROLLUP_SMTP_FROM": "a@example.org",
        }
    )
    assert (local.port, local.starttls) == (1025, False)
    with pytest.raises(reminders.SmtpError, match="clear text"):
        SmtpSettings.from_env(
            {
                "CONNECTOR_ROLLUP_SMTP_HOST": "smtp.example.org",
                "CONNECTOR_ROLLUP_SMTP_STARTTLS": "off",
                "CONNECTOR_ROLLUP_SMTP_USER": "u@example.org",
                "CONNECTOR_ROLLUP_SMTP_PASSWORD": "p",
            }
        )
    with pytest.raises(reminders.SmtpError, match="PORT"):
        SmtpSettings.from_env(
            {"CONNECTOR_ROLLUP_SMTP_HOST": "h", "CONNECTOR_ROLLUP_SMTP_PORT": "x"}
        )
    with pytest.raises(reminders.SmtpError, match="SMTP_FROM"):
        SmtpSettings.from_env({"CONNECTOR_ROLLUP_SMTP_HOST": "smtp.example.org"})


# -- sending, through a local SMTP server --------------------------------------------------


class Inbox:
    """An aiosmtpd handler keeping every message; it refuses ``REFUSED`` as a recipient."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address):
        return [m for rcpt, m in self.messages if rcpt == [address]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    env = {
        "CONNECTOR_ROLLUP_SMTP_HOST": "127.0.0.1",
        "CONNECTOR_ROLLUP_SMTP_PORT": str(controller.port),
        "CONNECTOR_ROLLUP_SMTP_FROM": "connecteurs@example.org",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        yield inbox, SmtpSettings.from_env()
    finally:
        controller.stop()


@pytest.fixture
def portal(tmp_path):
    """NS-HFX submitted 2026-27-Q1; NS-CBRT has an English, a French and a vanished coordinator."""
    portal = make_portal(tmp_path)
    app = portal.client.app
    if not any(getattr(r, "path", None) == "/reminders" for r in app.routes):
        app.include_router(reminders.router)  # until app.py registers it
    with portal.db() as conn:
        for address, language in ((CBRT_FR, "fr"), (REFUSED, "en")):
            accounts.add_user(
                conn, address, role="coordinator", community_code="NS-CBRT", language=language
            )
    return portal


def test_send_reminders_emails_each_coordinator_once_in_their_language(portal, smtp_server):
    inbox, smtp = smtp_server
    q1 = Period.parse(Q1)  # ended 2026-06-30, due 2026-08-14; NS-HFX submitted it
    conn = portal.db()
    outcome = reminders.send_reminders(
        conn, portal.settings, q1, dt.date(2026, 8, 9), smtp, by="test"
    )
    assert sorted(r.email for r in outcome.sent) == [CBRT, CBRT_FR]
    assert [(r.email, why[:35]) for r, why in outcome.failed] == [
        (REFUSED, "the server refused the recipient (5")
    ]
    assert inbox.to(HFX) == []  # its community submitted
    [english] = inbox.to(CBRT)
    assert english["Subject"] == (
        "Reminder: the 2026-27-Q1 workbook of Cape Breton (NS-CBRT) is due on August 14, 2026"
    )
    assert english["From"] == "connecteurs@example.org"
    assert "Due date: August 14, 2026" in english.get_content()
    [french] = inbox.to(CBRT_FR)
    assert french["Subject"] == (
        "Rappel\u00a0: le classeur 2026-27-Q1 de Cape Breton (NS-CBRT) est à remettre au plus"
        " tard le 14 août 2026"
    )
    text = french.get_content()
    assert "est à remettre au plus tard le 14 août 2026" in text
    assert "Statut\u00a0: rien n'a encore été soumis." in text
    assert "Le portail\u00a0: http://127.0.0.1:8000/" in text

    # Again the same day, and the next: nothing twice; the refused one is tried again.
    again = reminders.send_reminders(conn, portal.settings, q1, dt.date(2026, 8, 10), smtp)
    assert (again.sent, [r.email for r, _ in again.failed]) == ([], [REFUSED])
    assert len(inbox.messages) == 2

    # After the due date, the second reminder.
    after = reminders.send_reminders(conn, portal.settings, q1, dt.date(2026, 8, 15), smtp)
    assert sorted((r.email, r.kind) for r in after.sent) == [(CBRT, "after"), (CBRT_FR, "after")]
    assert inbox.to(CBRT)[-1]["Subject"].startswith("Overdue: ")

    recorded = reminders.sent_reminders(conn, Q1)
    assert sorted((s["email"], s["kind"]) for s in recorded) == [
        (CBRT, "after"),
        (CBRT, "before"),
        (CBRT_FR, "after"),
        (CBRT_FR, "before"),
    ]
    events = audit.events(conn, action="reminder_sent")
    assert len(events) == 4
    assert {(e["community_code"], e["period"]) for e in events} == {("NS-CBRT", Q1)}
    assert events[0]["who"] == "test" and "before reminder to" in events[0]["detail"]
    conn.close()


def test_an_smtp_server_that_cannot_be_reached_sends_and_records_nothing(portal):
    dead = SmtpSettings("127.0.0.1", _free_port(), sender="a@example.org", starttls=False)
    with portal.db() as conn:
        outcome = reminders.send_reminders(
            conn, portal.settings, Period.parse(Q1), dt.date(2026, 8, 9), dead
        )
        assert outcome.sent == [] and len(outcome.failed) == 3
        assert reminders.sent_reminders(conn, Q1) == []
        assert audit.events(conn, action="reminder_sent") == []


# -- the page ------------------------------------------------------------------------------


def _signed_in(portal, address):
    with portal.db() as conn:
        secret = accounts.new_session(conn, accounts.user_by_email(conn, address))
    client = TestClient(portal.client.app, base_url="http://testserver")
    client.cookies.set(SESSION_COOKIE, secret)
    return client


def test_the_page_shows_the_digest_to_the_secretariat_only(portal, monkeypatch):
    for name in ("HOST", "PORT", "FROM"):
        monkeypatch.delenv(f"CONNECTOR_ROLLUP_SMTP_{name}", raising=False)
    page = _signed_in(portal, SEC).get(f"/reminders?period={Q1}")
    assert page.status_code == 200
    text = page.text
    assert "Reminders for quarter 2026-27-Q1" in text
    assert "Due on 2026-08-14." in text
    assert CBRT in text and CBRT_FR in text and "/communities/NS-HFX" not in text
    assert "No SMTP server is set" in text and "/reminders/send" not in text
    assert _signed_in(portal, HFX).get("/reminders").status_code == 403


def test_the_page_sends_the_due_reminders_when_smtp_is_set(portal, smtp_server):
    inbox, _ = smtp_server
    # A quarter whose due date has passed whatever today is: NS-CBRT still owes it.
    period = reporting_quarter().previous().label
    client = _signed_in(portal, SEC)
    page = client.get(f"/reminders?period={period}")
    assert "Send the due reminders now" in page.text and "127.0.0.1" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    refused = client.post("/reminders/send", data={"period": period, "csrf": "forged"})
    assert refused.status_code == 403 and inbox.messages == []
    sent = client.post(
        "/reminders/send", data={"period": period, "csrf": csrf}, follow_redirects=False
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/reminders?period={period}&sent=2&failed=1"
    assert sorted(r[0] for r, _ in inbox.messages) == [CBRT, CBRT_FR]
    after = client.get(sent.headers["location"]).text
    assert "Reminders sent: 2; not sent: 1" in after
    assert "Reminders already sent" in after and "No reminder has been sent" not in after
    with portal.db() as conn:
        [event, _] = audit.events(conn, action="reminder_sent")
        assert event["who"] == SEC


# -- the command and the flow's body -------------------------------------------------------


def _cli_args(portal):
    return ["--data", str(portal.settings.data_dir), "--raw", str(portal.settings.raw_dir)]


def test_the_command_needs_smtp_settings(portal, monkeypatch):
    from connector_rollup.portal.cli import portal as portal_cli

    monkeypatch.delenv("CONNECTOR_ROLLUP_SMTP_HOST", raising=False)
    result = CliRunner().invoke(portal_cli, ["remind", *_cli_args(portal)])
    assert result.exit_code == 2
    assert "no SMTP server is set" in result.output


def test_the_command_prints_what_it_sent(portal, smtp_server):
    from connector_rollup.portal.cli import portal as portal_cli

    inbox, _ = smtp_server
    args = ["remind", "--quarter", Q1, "--today", "2026-08-15", *_cli_args(portal)]
    result = CliRunner().invoke(portal_cli, args)
    assert result.exit_code == 1, result.output  # the refused recipient
    assert f"Sent the 'after' reminder of {Q1} to {CBRT} (NS-CBRT, missing)." in result.output
    assert f"Did not send the 'after' reminder of {Q1} to {REFUSED}" in result.output
    again = CliRunner().invoke(portal_cli, args)
    assert f"to {CBRT} " not in again.output and len(inbox.messages) == 2


def test_the_flow_body_sends_for_the_quarters_due(portal, smtp_server):
    from flows.reminders import remind

    inbox, _ = smtp_server
    # 2026-10-03: Q1 is overdue (its 'after' reminders), Q2's reminders have not begun.
    lines = remind(str(portal.settings.data_dir), str(portal.settings.raw_dir), today="2026-10-03")
    assert f"Sent the 'after' reminder of {Q1} to {CBRT} (NS-CBRT, missing)." in lines
    assert "No reminder of 2026-27-Q2 is due today (due on 2026-11-14)." in lines
    assert lines[-1] == "1 reminder(s) could not be sent; the next run tries them again."
    assert len(inbox.messages) == 2
