"""The secretariat's operations in the API, v1 (portal.md "The secretariat's operations").

Every route here answers 403 ``secretariat_only`` to a coordinator: the role
may not do this (portal.md's 403), and nothing here is about one community
the coordinator could be told exists or not.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Depends

from connector_rollup.periods import Period
from connector_rollup.portal import audit, review, rollups
from connector_rollup.portal import quarter as quarters
from connector_rollup.portal.accounts import User
from connector_rollup.portal.web import ApiError, Config, Conn, api_user

router = APIRouter(prefix="/api/v1")


def secretariat(user: Annotated[User, Depends(api_user)]) -> User:
    if not user.is_secretariat:
        raise ApiError(403, "secretariat_only", "Only the secretariat may do this.")
    return user


Secretariat = Annotated[User, Depends(secretariat)]


def _period(label: str) -> Period:
    period = Period.parse(label)
    if period is None:
        raise ApiError(400, "bad_request", f"'{label}' is not a quarter: write it like 2024-25-Q4.")
    return period


@router.get("/quarters/{period}/board")
def board(period: str, conn: Conn, settings: Config, user: Secretariat) -> dict:
    return quarters.quarter_board(conn, settings, _period(period))


@router.post("/uploads/{upload_id}/send-back")
def send_back(
    upload_id: str,
    conn: Conn,
    settings: Config,
    user: Secretariat,
    comment: Annotated[str, Body(embed=True, max_length=2000)] = "",
) -> dict:
    return quarters.send_back(conn, settings, user, upload_id, comment)


@router.get("/review")
def review_pairs(conn: Conn, settings: Config, user: Secretariat) -> dict:
    return {"pairs": review.pairs(conn, settings)}


@router.post("/review/decisions", status_code=201)
def decide(
    conn: Conn,
    settings: Config,
    user: Secretariat,
    record_a: Annotated[str, Body()],
    record_b: Annotated[str, Body()],
    decision: Annotated[str, Body()],
    note: Annotated[str, Body(max_length=1000)] = "",
) -> dict:
    return review.decide(conn, settings, user, record_a, record_b, decision, note)


@router.post("/rollups", status_code=202)
def start_rollup(
    conn: Conn, settings: Config, user: Secretariat, quarter: Annotated[str, Body(embed=True)]
) -> dict:
    started = rollups.start(conn, settings, user, quarter)
    return {"id": started["id"], "status": started["status"]}


@router.get("/rollups/{rollup_id}")
def get_rollup(rollup_id: str, conn: Conn, settings: Config, user: Secretariat) -> dict:
    return rollups.get(conn, settings, rollup_id)


@router.post("/quarters/{period}/publish", status_code=201)
def publish(
    period: str,
    conn: Conn,
    settings: Config,
    user: Secretariat,
    note: Annotated[str, Body(embed=True, max_length=2000)] = "",
) -> dict:
    return rollups.publish(conn, settings, user, _period(period).label, note)


@router.get("/events")
def events(
    conn: Conn,
    user: Secretariat,
    since: str | None = None,
    community: str | None = None,
    period: str | None = None,
    action: str | None = None,
) -> dict:
    if since is not None:
        try:
            moment = dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(
                400, "bad_request", f"'{since}' is not a time: write it like 2026-11-30T14:00:00Z."
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        since = moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()
    return {"events": audit.events(conn, since, community, period, action)}
