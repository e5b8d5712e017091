"""The portal's web application: ``create_app(settings)`` for ``portal serve`` and the tests."""

from __future__ import annotations

from importlib import resources

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from connector_rollup.portal import (
    api,
    pages,
    reminders,
    review,
    secretariat_api,
    secretariat_pages,
)
from connector_rollup.portal.api import error_response
from connector_rollup.portal.db import connect
from connector_rollup.portal.settings import Settings
from connector_rollup.portal.uploads import UploadError
from connector_rollup.portal.web import (
    ApiError,
    CsrfFailed,
    Pages,
    SignInRequired,
    database,
    visitor,
)

# Pages load only this origin's style sheet: no inline script or style anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # invitation links must not leak to other sites
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings) -> FastAPI:
    """The portal over ``settings``; its database is created or upgraded on first use."""
    app = FastAPI(title="connector-rollup portal", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    conn = connect(settings.data_dir)
    try:  # raises identity.DecisionsError, with its sentence, for an unreadable file
        review.merge_decisions_file(conn, settings)
    finally:
        conn.close()
    app.state.pages = Pages.load()
    app.state.check_limiter = anyio.CapacityLimiter(settings.check_workers)
    app.include_router(api.router)
    app.include_router(secretariat_api.router)
    app.include_router(pages.router)
    app.include_router(secretariat_pages.router)
    app.include_router(reminders.router)
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("connector_rollup.portal") / "static")),
        name="static",
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/api/") or request.method != "GET":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    async def page_error(request: Request, status: int, code: str, message: str):
        # A connection of its own: the route's may be gone by the time its error is rendered.
        conn_gen = database(request)
        conn = next(conn_gen)
        try:
            seen = visitor(request, conn)
            return request.app.state.pages.render(
                request, seen, "error.html", status_code=status, code=code, message=message
            )
        finally:
            conn_gen.close()

    @app.exception_handler(ApiError)
    @app.exception_handler(UploadError)
    async def known_error(request: Request, exc: ApiError | UploadError):
        if is_api(request):
            return error_response(exc.status, exc.code, exc.message)
        return await page_error(request, exc.status, exc.code, exc.message)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired):
        return pages.see_other("/sign-in")

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed):
        return await page_error(
            request, 403, "csrf", "The form had expired: go back, reload the page and try again."
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        message = "The request is not what this address expects: check its parameters and body."
        if is_api(request):
            return error_response(400, "bad_request", message)
        return await page_error(request, 400, "bad_request", message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        message = "There is no such page." if exc.status_code == 404 else str(exc.detail)
        if is_api(request):
            return error_response(exc.status_code, code, message)
        return await page_error(request, exc.status_code, code, message)

    return app
