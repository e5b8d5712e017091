"""The API, v1 (portal.md "API (v1)"): JSON for scripts and tests; the pages call the same operations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse

from connector_rollup.periods import Period
from connector_rollup.portal import db, uploads
from connector_rollup.portal.accounts import User
from connector_rollup.portal.receive import receive_file
from connector_rollup.portal.settings import Settings
from connector_rollup.portal.web import ApiError, Config, Conn, api_user

router = APIRouter(prefix="/api/v1")
ApiUser = Annotated[User, Depends(api_user)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def check_in_worker(
    request: Request, settings: Settings, user: User, client_name: str | None, temp: Path
) -> dict:
    """``uploads.check_upload`` in a worker thread, at most ``check_workers`` at once.

    The check is seconds of CPU: off the event loop, the other coordinators'
    pages keep answering while it runs.
    """

    def work() -> dict:
        conn = db.connect(settings.data_dir)
        try:
            return uploads.check_upload(conn, settings, user, client_name, temp)
        finally:
            conn.close()

    return await anyio.to_thread.run_sync(work, limiter=request.app.state.check_limiter)


@router.post("/uploads", status_code=201)
async def post_upload(request: Request, settings: Config, user: ApiUser) -> dict:
    client_name, temp, _ = await receive_file(
        request, settings.incoming_dir, settings.max_upload_bytes
    )
    return await check_in_worker(request, settings, user, client_name, temp)


@router.get("/uploads")
def list_uploads(conn: Conn, user: ApiUser, period: str | None = None) -> dict:
    if period is not None and Period.parse(period) is None:
        raise ApiError(
            400, "bad_request", f"'{period}' is not a quarter: write it like 2024-25-Q4."
        )
    return {"uploads": uploads.listing(conn, user, period)}


@router.get("/uploads/{upload_id}")
def get_upload(upload_id: str, conn: Conn, user: ApiUser) -> dict:
    return uploads.get(conn, user, upload_id)


@router.get("/uploads/{upload_id}/annotated")
def get_annotated(upload_id: str, conn: Conn, settings: Config, user: ApiUser) -> FileResponse:
    path = uploads.annotated(conn, settings, user, upload_id)
    return FileResponse(path, media_type=XLSX, filename=annotated_name(conn, user, upload_id))


@router.post("/uploads/{upload_id}/submit")
def submit_upload(upload_id: str, conn: Conn, settings: Config, user: ApiUser) -> dict:
    return uploads.submit(conn, settings, user, upload_id)


def annotated_name(conn, user: User, upload_id: str) -> str:
    """``<name>-checked.xlsx`` from the name the file was uploaded under (shown, never a path)."""
    name = uploads.get(conn, user, upload_id)["file_name"]
    stem = name[:-5] if name.lower().endswith(".xlsx") else name
    return f"{stem}-checked.xlsx"


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
