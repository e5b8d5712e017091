"""`connector-rollup portal` commands (portal.md "Commands"): exit statuses and what they print."""

from __future__ import annotations

import re
import socket

from click.testing import CliRunner

from connector_rollup.cli import main
from connector_rollup.portal import accounts, db


def _run(*args):
    return CliRunner().invoke(main, ["portal", *map(str, args)])


def test_add_user_prints_a_one_time_invitation_link(tmp_path, monkeypatch):
    monkeypatch.setenv("CONNECTOR_ROLLUP_PORTAL_URL", "https://portal.example.org/")
    result = _run(
        "add-user", "Ana@Example.org", "--community", "ns-hfx", "--lang", "fr", "--data", tmp_path
    )
    assert result.exit_code == 0, result.output
    [link] = re.findall(r"https://portal\.example\.org/invite/\S+", result.output)
    conn = db.connect(tmp_path)
    user = accounts.invitation_user(conn, link.rsplit("/", 1)[1])
    assert (user.email, user.community_code, user.language) == ("Ana@Example.org", "NS-HFX", "fr")
    assert conn.execute("SELECT password_hash FROM users").fetchone()[0] is None


def test_add_user_refuses_with_a_sentence_and_status_2(tmp_path):
    assert _run("add-user", "a@example.org", "--secretariat", "--data", tmp_path).exit_code == 0
    for args, words in (
        (("a@EXAMPLE.org", "--secretariat"), "already an account for a@EXAMPLE.org"),
        (("b@example.org", "--community", "XX-NONE"), "no community XX-NONE"),
        (("b@example.org",), "either --community"),
        (("b@example.org", "--community", "NS-HFX", "--secretariat"), "either --community"),
        (("not-an-email", "--secretariat"), "is not an email address"),
    ):
        result = _run("add-user", *args, "--data", tmp_path)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output and "Traceback" not in result.output


def test_token_prints_a_new_token_and_revokes_the_old(tmp_path):
    _run("add-user", "a@example.org", "--secretariat", "--data", tmp_path)
    first = _run("token", "a@example.org", "--data", tmp_path).output.strip()
    second = _run("token", "A@example.org", "--data", tmp_path).output.strip()
    conn = db.connect(tmp_path)
    assert accounts.token_user(conn, first) is None
    assert accounts.token_user(conn, second).email == "a@example.org"
    assert "crt_" in second
    stored = conn.execute("SELECT token_hash FROM api_tokens").fetchone()[0]
    assert second not in stored  # only its hash is kept
    missing = _run("token", "nobody@example.org", "--data", tmp_path)
    assert missing.exit_code == 2 and "no account for nobody@example.org" in missing.output


def test_serve_on_a_port_in_use_says_so_with_status_2(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _run("serve", "--port", port, "--data", tmp_path / "p", "--raw", tmp_path / "raw")
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_the_database_upgrades_in_place(tmp_path):
    conn = db.connect(tmp_path)
    shipped = max(number for number, _ in db.migrations())
    assert conn.execute("PRAGMA user_version").fetchone()[0] == shipped
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    accounts.add_user(conn, "a@example.org", role="secretariat", community_code=None)
    conn.close()
    again = db.connect(tmp_path)  # a second start migrates nothing and keeps everything
    assert again.execute("SELECT email FROM users").fetchone()[0] == "a@example.org"


def test_invite_gives_an_existing_account_a_new_link_and_the_old_one_stops(tmp_path):
    result = _run("add-user", "a@example.org", "--community", "NS-HFX", "--data", tmp_path)
    old = re.findall(r"/invite/(\S+)", result.output)[0]
    again = _run("invite", "A@example.org", "--data", tmp_path)
    assert again.exit_code == 0 and "sets a new password" in again.output
    new = re.findall(r"/invite/(\S+)", again.output)[0]
    conn = db.connect(tmp_path)
    assert accounts.invitation_user(conn, old) is None
    user = accounts.accept_invitation(conn, new, "a new long password")
    session = accounts.new_session(conn, user)
    third = re.findall(
        r"/invite/(\S+)", _run("invite", "a@example.org", "--data", tmp_path).output
    )[0]
    accounts.accept_invitation(conn, third, "forgot it, another one")
    assert accounts.session(conn, session) is None  # a reset password ends the old sessions
    missing = _run("invite", "nobody@example.org", "--data", tmp_path)
    assert missing.exit_code == 2 and "no account for nobody@example.org" in missing.output
