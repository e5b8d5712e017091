"""What every route needs: the settings, a database connection, who is asking, CSRF, pages.

FastAPI dependencies, so each route states what it requires. API routes
authenticate by ``Authorization: Bearer``; pages by the session cookie, and
every page form that changes something carries the session's CSRF token.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import URL

from connector_rollup.portal import accounts, db, i18n
from connector_rollup.portal.accounts import User
from connector_rollup.portal.settings import Settings

SESSION_COOKIE = "portal_session"
ANONYMOUS_CSRF_COOKIE = "portal_csrf"  # the double-submit token of the sign-in forms
LANGUAGE_COOKIE = "portal_lang"


class ApiError(Exception):
    """An API answer other than success: ``{"error": {"code", "message"}}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class SignInRequired(Exception):
    """A page asked for by nobody signed in: the answer is the sign-in page."""


def settings(request: Request) -> Settings:
    return request.app.state.settings


def database(request: Request) -> Iterator[sqlite3.Connection]:
    """One connection for the request (SQLite: cheap to open; WAL lets pages read during writes)."""
    conn = db.connect(request.app.state.settings.data_dir)
    try:
        yield conn
    finally:
        conn.close()


Conn = Annotated[sqlite3.Connection, Depends(database)]
Config = Annotated[Settings, Depends(settings)]


def api_user(request: Request, conn: Conn) -> User:
    """The account of the request's bearer token; 401 without a valid one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    user = accounts.token_user(conn, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise ApiError(
            401, "unauthorized", "Send a valid API token as 'Authorization: Bearer <token>'."
        )
    return user


@dataclass(frozen=True)
class Visitor:
    """Whoever asks for a page: the signed-in account (or None), their language and CSRF token."""

    user: User | None
    language: str
    csrf: str
    new_csrf_cookie: bool = False  # an anonymous visitor's token still to be set


def visitor(request: Request, conn: Conn) -> Visitor:
    secret = request.cookies.get(SESSION_COOKIE)
    found = accounts.session(conn, secret) if secret else None
    if found is not None:
        user, csrf = found
        return Visitor(user, user.language, csrf)
    language = request.cookies.get(LANGUAGE_COOKIE)
    if language not in i18n.LANGUAGES:
        language = i18n.preferred(request.headers.get("accept-language"))
    token = request.cookies.get(ANONYMOUS_CSRF_COOKIE)
    if not token:
        return Visitor(None, language, secrets.token_urlsafe(32), new_csrf_cookie=True)
    return Visitor(None, language, token)


Seen = Annotated[Visitor, Depends(visitor)]


def signed_in(seen: Seen) -> Visitor:
    if seen.user is None:
        raise SignInRequired()
    return seen


SignedIn = Annotated[Visitor, Depends(signed_in)]


class CsrfFailed(Exception):
    """A form posted without its page's token."""


def check_csrf(seen: Visitor, token: str | None) -> None:
    """Refuse a form whose token is not the session's (or, signed out, the cookie's)."""
    if not token or seen.new_csrf_cookie or not hmac.compare_digest(token, seen.csrf):
        raise CsrfFailed()


@dataclass(frozen=True)
class Pages:
    """The Jinja2 templates, one environment per language (each with its catalog installed)."""

    environments: dict[str, jinja2.Environment]

    @classmethod
    def load(cls) -> Pages:
        environments = {}
        for language in i18n.LANGUAGES:
            env = jinja2.Environment(
                loader=jinja2.PackageLoader("connector_rollup.portal", "templates"),
                autoescape=True,
                extensions=["jinja2.ext.i18n"],
                undefined=jinja2.StrictUndefined,
            )
            env.install_gettext_translations(i18n.translations(language), newstyle=True)
            env.filters["when"] = when
            environments[language] = env
        return cls(environments)

    def render(
        self, request: Request, seen: Visitor, name: str, status_code: int = 200, **context
    ) -> HTMLResponse:
        env = self.environments[seen.language]
        html = env.get_template(name).render(
            request=request,
            user=seen.user,
            lang=seen.language,
            csrf=seen.csrf,
            here=_path(request.url),
            **context,
        )
        response = HTMLResponse(html, status_code=status_code)
        if seen.new_csrf_cookie:
            set_cookie(request, response, ANONYMOUS_CSRF_COOKIE, seen.csrf, max_age=8 * 3600)
        return response


def when(stamp: str | None) -> str:
    """A stored UTC time as people read it: the portal machine's local time, to the minute."""
    if not stamp:
        return ""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp  # a date alone (a workbook's Submitted on) is shown as it is
    if moment.tzinfo is None:
        return stamp
    local = moment.astimezone()
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")


def _path(url: URL) -> str:
    return url.path + (f"?{url.query}" if url.query else "")


def set_cookie(request: Request, response, name: str, value: str, max_age: int | None) -> None:
    """A cookie as portal.md requires: HttpOnly, SameSite=Lax, Secure when served over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
