"""The portal's pages (portal.md "Pages"): server-rendered forms, no JavaScript needed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from connector_rollup import messages
from connector_rollup.intake import feedback
from connector_rollup.periods import Period
from connector_rollup.portal import accounts, i18n, rollups, uploads
from connector_rollup.portal import quarter as quarters
from connector_rollup.portal.api import XLSX, annotated_name, check_in_worker
from connector_rollup.portal.receive import receive_file
from connector_rollup.portal.web import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    Config,
    Conn,
    Seen,
    SignedIn,
    check_csrf,
    set_cookie,
)

router = APIRouter()
Text = Annotated[str, Form()]


def pages(request: Request):
    return request.app.state.pages


def reporting_quarter(today: dt.date | None = None) -> Period:
    """The quarter coordinators report now: the latest one that has ended."""
    return Period.containing(today or dt.date.today()).previous()


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/")
def root(seen: Seen) -> Response:
    if seen.user is None:
        return see_other("/sign-in")
    return see_other("/board" if seen.user.is_secretariat else "/home")


@router.get("/sign-in")
def sign_in_page(request: Request, seen: Seen) -> Response:
    if seen.user:
        return see_other("/home")
    return pages(request).render(request, seen, "sign_in.html", email="", problem=None)


@router.post("/sign-in")
def sign_in(
    request: Request, seen: Seen, conn: Conn, email: Text = "", password: Text = "", csrf: Text = ""
) -> Response:
    check_csrf(seen, csrf)
    until = accounts.locked_until(conn, email)
    if until is not None:
        return pages(request).render(
            request,
            seen,
            "sign_in.html",
            status_code=429,
            email=email,
            problem="locked",
            until=until.astimezone().strftime("%H:%M %Z"),
        )
    user = accounts.sign_in(conn, email, password)
    if user is None:
        return pages(request).render(
            request, seen, "sign_in.html", status_code=401, email=email, problem="wrong"
        )
    response = see_other("/")  # the secretariat lands on the board, a coordinator on home
    set_cookie(request, response, SESSION_COOKIE, accounts.new_session(conn, user), None)
    return response


@router.post("/sign-out")
def sign_out(request: Request, seen: SignedIn, conn: Conn, csrf: Text = "") -> Response:
    check_csrf(seen, csrf)
    accounts.end_session(conn, request.cookies.get(SESSION_COOKIE, ""))
    response = see_other("/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/invite/{secret}")
def invitation_page(request: Request, secret: str, seen: Seen, conn: Conn) -> Response:
    user = accounts.invitation_user(conn, secret)
    if user is None:
        return _password_page(request, seen, None, "invitation_invalid", 404)
    return _password_page(request, seen, user, None, 200)


def _password_page(request, seen, invited, problem: str | None, status: int) -> Response:
    return pages(request).render(
        request,
        seen,
        "set_password.html",
        status_code=status,
        invited=invited,
        problem=problem,
        min_chars=accounts.MIN_PASSWORD_CHARS,
    )


@router.post("/invite/{secret}")
def set_password(
    request: Request,
    secret: str,
    seen: Seen,
    conn: Conn,
    password: Text = "",
    confirm: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(seen, csrf)
    user = accounts.invitation_user(conn, secret)
    problem = None
    if user is None:
        problem = "invitation_invalid"
    elif password != confirm:
        problem = "passwords_differ"
    else:
        try:
            accounts.accept_invitation(conn, secret, password)
        except accounts.AccountError as exc:
            problem = str(exc)
    if problem:
        return _password_page(request, seen, user, problem, 400 if user else 404)
    response = see_other("/")
    set_cookie(request, response, SESSION_COOKIE, accounts.new_session(conn, user), None)
    return response


@router.post("/language")
def switch_language(
    request: Request, seen: Seen, conn: Conn, lang: Text = "en", next: Text = "/", csrf: Text = ""
) -> Response:
    check_csrf(seen, csrf)
    if lang not in i18n.LANGUAGES:
        lang = "en"
    if not next.startswith("/") or next.startswith("//"):
        next = "/"  # only a path of this portal: never an open redirect
    response = see_other(next)
    if seen.user:
        accounts.set_language(conn, seen.user, lang)
    set_cookie(request, response, LANGUAGE_COOKIE, lang, 365 * 24 * 3600)
    return response


@router.get("/home")
def home(request: Request, seen: SignedIn, conn: Conn, settings: Config) -> Response:
    user = seen.user
    quarter = reporting_quarter()
    due = quarters.due_on(quarter, settings.due_days)
    listed = uploads.listing(conn, user)
    community = settings.registry.get(user.community_code) if user.community_code else None
    submitted = None
    if community is not None:
        # The board's own row: a workbook the secretariat saved into --raw counts here too.
        [row] = quarters.quarter_board(conn, settings, quarter, only=community.code)["communities"]
        submitted = row if row["status"] in ("submitted", "late") else None
    figures = rollups.community_figures(settings.warehouse, community.code) if community else []
    return pages(request).render(
        request,
        seen,
        "home.html",
        community=community,
        quarter=quarter.label,
        due_on=due.isoformat(),
        overdue=dt.date.today() > due,
        submitted=submitted,
        figures=figures,
        uploads=listed,
        limit_mb=settings.max_upload_bytes // (1024 * 1024),
        problem=None,
    )


@router.post("/uploads")
async def upload(request: Request, seen: SignedIn, settings: Config) -> Response:
    client_name, temp, fields = await receive_file(
        request, settings.incoming_dir, settings.max_upload_bytes
    )
    try:  # the token is a field of the streamed form: checked before the file is looked at
        check_csrf(seen, fields.get("csrf"))
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    result = await check_in_worker(request, settings, seen.user, client_name, temp)
    return see_other(f"/uploads/{result['id']}")


@router.get("/uploads/{upload_id}")
def upload_page(
    request: Request, upload_id: str, seen: SignedIn, conn: Conn, settings: Config
) -> Response:
    found = uploads.get(conn, seen.user, upload_id)
    issues = uploads.issues_of(conn, upload_id)
    by_sheet = feedback.by_sheet([i for i in issues if i.sheet])
    summary = [
        (severity, code, count, messages.code_meaning(code, seen.language))
        for severity, code, count in feedback.counts_by_code(issues)
    ]
    return pages(request).render(
        request,
        seen,
        "upload.html",
        upload=found,
        by_sheet=by_sheet,
        summary=summary,
        sheets=("connectees", "connectors", "introductions", "jobs"),
    )


@router.get("/uploads/{upload_id}/annotated")
def upload_annotated(upload_id: str, seen: SignedIn, conn: Conn, settings: Config) -> Response:
    path = uploads.annotated(conn, settings, seen.user, upload_id)
    return FileResponse(path, media_type=XLSX, filename=annotated_name(conn, seen.user, upload_id))


@router.post("/uploads/{upload_id}/submit")
def upload_submit(
    upload_id: str, seen: SignedIn, conn: Conn, settings: Config, csrf: Text = ""
) -> Response:
    check_csrf(seen, csrf)
    uploads.submit(conn, settings, seen.user, upload_id)
    return see_other(f"/uploads/{upload_id}")


@router.get("/template/{language}.xlsx")
def template(language: str, seen: SignedIn, settings: Config) -> Response:
    from connector_rollup.intake.template import write_template

    if language not in i18n.LANGUAGES:
        language = "en"
    path = settings.data_dir / "templates" / f"connector-program-{language}.xlsx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        write_template(partial, lang=language)
        partial.replace(path)
    name = (
        "soumission-programme-connecteur.xlsx"
        if language == "fr"
        else "connector-program-submission.xlsx"
    )
    return FileResponse(Path(path), media_type=XLSX, filename=name)
