"""Accounts and their secrets: invitations, Argon2id passwords, sessions, API tokens, lockout.

Follows portal.md "Roles" and "Limits and safety". Every secret handed out
(invitation link, session cookie, API token) is 32 random bytes shown once;
the database keeps only its SHA-256 (a password only its Argon2id hash), so a
copy of the database signs nobody in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from connector_rollup.portal import audit
from connector_rollup.portal.db import now

INVITATION_DAYS = 7
SESSION_HOURS = 8
LOCKOUT_FAILURES = 10  # failed sign-ins for one email ...
LOCKOUT_MINUTES = 15  # ... within this window lock it for as long again
MIN_PASSWORD_CHARS = 10

_hasher = PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is one sentence for the person."""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    role: str  # "coordinator" or "secretariat"
    community_code: str | None
    language: str
    active: bool

    @property
    def is_secretariat(self) -> bool:
        return self.role == "secretariat"

    def sees(self, community_code: str | None) -> bool:
        """Whether this account may see anything of ``community_code``."""
        return self.is_secretariat or (
            community_code is not None and community_code == self.community_code
        )


def _user(row: sqlite3.Row | None) -> User | None:
    if row is None:
        return None
    return User(
        row["id"],
        row["email"],
        row["name"],
        row["role"],
        row["community_code"],
        row["language"],
        bool(row["active"]),
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _later(**delta) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(**delta)).replace(microsecond=0).isoformat()


def user_by_email(conn: sqlite3.Connection, email: str) -> User | None:
    return _user(conn.execute("SELECT * FROM users WHERE email = ?", (email.strip(),)).fetchone())


def user_by_id(conn: sqlite3.Connection, user_id: int) -> User | None:
    return _user(conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone())


def add_user(
    conn: sqlite3.Connection,
    email: str,
    *,
    role: str,
    community_code: str | None,
    name: str = "",
    language: str = "en",
    by: str | None = None,
) -> tuple[User, str]:
    """Create an account and its invitation; returns the user and the invitation's secret.

    Raises ``AccountError`` when the email is already used (compared
    case-insensitively) or does not look like an email.
    """
    email = email.strip()
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise AccountError(f"'{email}' is not an email address: write it like name@example.org.")
    if user_by_email(conn, email) is not None:
        raise AccountError(f"There is already an account for {email}.")
    cursor = conn.execute(
        "INSERT INTO users (email, name, role, community_code, language, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (email, name or email.split("@")[0], role, community_code, language, now()),
    )
    user = user_by_id(conn, cursor.lastrowid)
    secret = new_invitation(conn, user)
    audit.record(
        conn,
        by,
        "user_added",
        community_code=community_code,
        detail=f"{email} as {role}" + (f" of {community_code}" if community_code else ""),
    )
    return user, secret


def new_invitation(conn: sqlite3.Connection, user: User) -> str:
    """A new one-time link secret for ``user``, valid ``INVITATION_DAYS`` days; earlier unused
    links of the account stop working (``portal invite``: an expired link, a forgotten password)."""
    secret = secrets.token_urlsafe(32)
    conn.execute(
        "UPDATE invitations SET used_at = ? WHERE user_id = ? AND used_at IS NULL", (now(), user.id)
    )
    conn.execute(
        "INSERT INTO invitations (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
        (_digest(secret), user.id, _later(days=INVITATION_DAYS)),
    )
    return secret


def invitation_user(conn: sqlite3.Connection, secret: str) -> User | None:
    """The account an unused, unexpired invitation is for, else None."""
    row = conn.execute(
        "SELECT user_id FROM invitations WHERE token_hash = ? AND used_at IS NULL"
        " AND expires_at > ?",
        (_digest(secret), now()),
    ).fetchone()
    return user_by_id(conn, row["user_id"]) if row else None


def accept_invitation(conn: sqlite3.Connection, secret: str, password: str) -> User:
    """Set the account's password from its invitation, which is then used up.

    Raises ``AccountError`` for an unknown, used or expired link, or a
    password shorter than ``MIN_PASSWORD_CHARS``.
    """
    user = invitation_user(conn, secret)
    if user is None:
        raise AccountError("invitation_invalid")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError("password_too_short")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "UPDATE users SET password_hash = ? WHERE id = ?", (_hasher.hash(password), user.id)
    )
    conn.execute(
        "UPDATE invitations SET used_at = ? WHERE token_hash = ?", (now(), _digest(secret))
    )
    # A new password (a forgotten one replaced) ends every session signed in with the old one.
    conn.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))
    audit.record(conn, user.email, "password_set", community_code=user.community_code)
    conn.execute("COMMIT")
    return user


def locked_until(conn: sqlite3.Connection, email: str) -> dt.datetime | None:
    """When the email may try again, if ``LOCKOUT_FAILURES`` failures in the window lock it now."""
    window_start = _later(minutes=-LOCKOUT_MINUTES)
    rows = conn.execute(
        "SELECT at FROM sign_in_failures WHERE email = ? AND at > ? ORDER BY at DESC",
        (email.strip(), window_start),
    ).fetchall()
    if len(rows) < LOCKOUT_FAILURES:
        return None
    return dt.datetime.fromisoformat(rows[0]["at"]) + dt.timedelta(minutes=LOCKOUT_MINUTES)


def sign_in(conn: sqlite3.Connection, email: str, password: str) -> User | None:
    """The account if ``password`` is right; None (and a failure counted) otherwise.

    The caller checks ``locked_until`` first. Unknown emails count failures
    too, so the answer never tells whether an account exists.
    """
    row = conn.execute(
        "SELECT * FROM users WHERE email = ? AND active = 1", (email.strip(),)
    ).fetchone()
    ok = False
    if row is not None and row["password_hash"]:
        try:
            ok = _hasher.verify(row["password_hash"], password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password)  # the same time either way: no hint that the email is unknown
    if not ok:
        conn.execute(
            "INSERT INTO sign_in_failures (email, at) VALUES (?, ?)", (email.strip(), now())
        )
        audit.record(conn, None, "sign_in_failed", detail=email.strip()[:200])
        return None
    user = _user(row)
    if _hasher.check_needs_rehash(row["password_hash"]):
        conn.execute(
            "UPDATE users SET password_hash = ? WHERE id = ?", (_hasher.hash(password), user.id)
        )
    audit.record(conn, user.email, "sign_in", community_code=user.community_code)
    return user


def new_session(conn: sqlite3.Connection, user: User) -> str:
    """A session for ``user`` ending after ``SESSION_HOURS``; returns the cookie's secret."""
    secret = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (_digest(secret), user.id, secrets.token_urlsafe(32), now(), _later(hours=SESSION_HOURS)),
    )
    return secret


def session(conn: sqlite3.Connection, secret: str) -> tuple[User, str] | None:
    """The signed-in active account and its CSRF token, for an unexpired session; else None."""
    row = conn.execute(
        "SELECT user_id, csrf_token FROM sessions WHERE token_hash = ? AND expires_at > ?",
        (_digest(secret), now()),
    ).fetchone()
    user = user_by_id(conn, row["user_id"]) if row else None
    if user is None or not user.active:
        return None
    return user, row["csrf_token"]


def end_session(conn: sqlite3.Connection, secret: str) -> None:
    conn.execute("DELETE FROM sessions WHERE token_hash = ?", (_digest(secret),))


def new_api_token(conn: sqlite3.Connection, user: User, by: str | None = None) -> str:
    """A new API token for ``user``, revoking the previous one; shown once, stored as a hash."""
    secret = "crt_" + secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash,"
        " created_at = excluded.created_at",
        (user.id, _digest(secret), now()),
    )
    audit.record(
        conn, by, "api_token_issued", community_code=user.community_code, detail=user.email
    )
    return secret


def token_user(conn: sqlite3.Connection, secret: str) -> User | None:
    """The active account an API token belongs to, else None."""
    row = conn.execute(
        "SELECT user_id FROM api_tokens WHERE token_hash = ?", (_digest(secret),)
    ).fetchone()
    user = user_by_id(conn, row["user_id"]) if row else None
    return user if user is not None and user.active else None


def set_language(conn: sqlite3.Connection, user: User, language: str) -> None:
    conn.execute("UPDATE users SET language = ? WHERE id = ?", (language, user.id))
    audit.record(
        conn, user.email, "language_set", community_code=user.community_code, detail=language
    )


def set_password(conn: sqlite3.Connection, user: User, password: str, by: str | None) -> None:
    """Set ``user``'s password directly (the demo's accounts; people use their invitation)."""
    conn.execute(
        "UPDATE users SET password_hash = ? WHERE id = ?", (_hasher.hash(password), user.id)
    )
    audit.record(conn, by, "password_set", community_code=user.community_code, detail=user.email)
