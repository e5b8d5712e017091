"""The secretariat's pages (issue 10): the quarter board, a community, Connector decisions,
roll-ups and their reports, the audit log. Each refuses coordinators (403 page)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, Response

from connector_rollup.periods import Period
from connector_rollup.portal import audit, review, rollups, uploads
from connector_rollup.portal import quarter as quarters
from connector_rollup.portal.pages import pages, reporting_quarter, see_other
from connector_rollup.portal.web import ApiError, Config, Conn, SignedIn, Visitor, check_csrf

router = APIRouter()
Text = Annotated[str, Form()]


def secretariat_visitor(seen: SignedIn) -> Visitor:
    if not seen.user.is_secretariat:
        raise ApiError(403, "secretariat_only", "Only the secretariat may see this page.")
    return seen


Secretariat = Annotated[Visitor, Depends(secretariat_visitor)]


def _period(label: str | None) -> Period:
    return Period.parse(label or "") or reporting_quarter()


@router.get("/board")
def board_page(
    request: Request,
    seen: Secretariat,
    conn: Conn,
    settings: Config,
    period: str | None = None,
    status: str | None = None,
) -> Response:
    quarter = _period(period)
    answer = quarters.quarter_board(conn, settings, quarter)
    rows = answer["communities"]
    due = dt.date.fromisoformat(answer["due_on"])
    counts = quarters.summary(rows, due, dt.date.today())
    shown = [r for r in rows if not status or r["status"] == status]
    recent = [quarter]
    for _ in range(7):
        recent.append(recent[-1].previous())
    return pages(request).render(
        request,
        seen,
        "board.html",
        revised=quarter.label in rollups.revised_quarters(settings),
        quarter=quarter.label,
        due_on=answer["due_on"],
        rows=shown,
        counts=counts,
        status=status or "",
        statuses=quarters.STATUSES,
        quarters=[p.label for p in recent],
    )


@router.get("/communities/{code}")
def community_page(
    request: Request, code: str, seen: Secretariat, conn: Conn, settings: Config
) -> Response:
    community = settings.registry.get(code.upper())
    if community is None:
        raise ApiError(404, "not_found", "There is no such community.")
    listed = [u for u in uploads.listing(conn, seen.user) if u["community_code"] == community.code]
    figures = rollups.community_figures(settings.warehouse, community.code)
    # The community's report of each quarter rolled up (newest first).
    reports = sorted(
        (
            p.parent.parent.name
            for p in settings.reports_dir.glob(f"*/communities/{community.code}.md")
        ),
        reverse=True,
    )
    return pages(request).render(
        request,
        seen,
        "community.html",
        community=community,
        uploads=listed,
        figures=figures,
        reports=[q for q in reports if Period.parse(q)],
    )


@router.post("/uploads/{upload_id}/send-back")
def send_back(
    upload_id: str,
    seen: Secretariat,
    conn: Conn,
    settings: Config,
    comment: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(seen, csrf)
    sent = quarters.send_back(conn, settings, seen.user, upload_id, comment)
    return see_other(f"/communities/{sent['community_code']}")


@router.get("/review")
def review_page(request: Request, seen: Secretariat, conn: Conn, settings: Config) -> Response:
    pairs = review.pairs(conn, settings)
    undecided = [p for p in pairs if p["decision"] is None]
    return pages(request).render(
        request,
        seen,
        "review.html",
        pairs=undecided + [p for p in pairs if p["decision"]],
        undecided=len(undecided),
        review_exists=settings.review_file.exists(),
    )


@router.post("/review/decide")
def decide(
    seen: Secretariat,
    conn: Conn,
    settings: Config,
    record_a: Text = "",
    record_b: Text = "",
    decision: Text = "",
    note: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(seen, csrf)
    review.decide(conn, settings, seen.user, record_a, record_b, decision, note)
    return see_other("/review")


@router.get("/rollups")
def rollups_page(
    request: Request, seen: Secretariat, conn: Conn, settings: Config, published: str = ""
) -> Response:
    listed = rollups.listing(conn, settings)
    running = any(r["status"] in rollups.ACTIVE for r in listed)
    return pages(request).render(
        request,
        seen,
        "rollups.html",
        rollups=listed,
        running=running,
        latest=next((r for r in listed if r["status"] == "completed"), None),
        published=Period.parse(published).label if Period.parse(published) else None,
        revised=rollups.revised_quarters(settings),
        quarter=reporting_quarter().label,
        warehouse=str(settings.warehouse.resolve()),
        reports=str(settings.reports_dir.resolve()),
    )


@router.post("/rollups")
def start_rollup(
    seen: Secretariat, conn: Conn, settings: Config, quarter: Text = "", csrf: Text = ""
) -> Response:
    check_csrf(seen, csrf)
    rollups.start(conn, settings, seen.user, quarter)
    return see_other("/rollups")


# The reports' own relative links work as they are: charts/x.png, communities/CODE.md, ../national.md.
@router.post("/quarters/{quarter}/publish")
def publish(
    quarter: str, seen: Secretariat, conn: Conn, settings: Config, note: Text = "", csrf: Text = ""
) -> Response:
    check_csrf(seen, csrf)
    published = rollups.publish(conn, settings, seen.user, quarter, note)
    return see_other(f"/rollups?published={published['period']}")


@router.get("/reports/{quarter}/national")
@router.get("/reports/{quarter}/national.md")
def national_report(
    request: Request, quarter: str, seen: Secretariat, settings: Config
) -> Response:
    return _report(request, seen, settings, quarter, Path("national.md"))


@router.get("/reports/{quarter}/communities/{name}")
def community_report(
    request: Request, quarter: str, name: str, seen: Secretariat, settings: Config
) -> Response:
    code = name.removesuffix(".md").upper()
    if code not in settings.registry:
        raise ApiError(404, "not_found", "There is no such report.")
    return _report(request, seen, settings, quarter, Path("communities") / f"{code}.md")


def _report(request, seen, settings, quarter: str, name: Path) -> Response:
    from markdown_it import MarkdownIt

    period = Period.parse(quarter)
    path = settings.reports_dir / period.label / name if period else None
    if path is None or not path.is_file():
        raise ApiError(
            404, "not_found", "There is no such report: run the roll-up of that quarter."
        )
    # Raw HTML in the Markdown is shown as text: the reports quote what communities typed.
    html = (
        MarkdownIt("commonmark", {"html": False})
        .enable("table")
        .render(path.read_text(encoding="utf-8"))
    )
    # markdown-it aligns table cells with inline styles, which the pages' CSP refuses: classes.
    for side in ("right", "center", "left"):
        html = html.replace(f' style="text-align:{side}"', f' class="align-{side}"')
    return pages(request).render(
        request, seen, "report.html", quarter=period.label, body=html, source=str(path.resolve())
    )


@router.get("/reports/{quarter}/charts/{name}")
def report_chart(quarter: str, name: str, seen: Secretariat, settings: Config) -> Response:
    period = Period.parse(quarter)
    if period is None or not name.endswith(".png") or name.startswith("."):
        raise ApiError(404, "not_found", "There is no such chart.")
    path = settings.reports_dir / period.label / "charts" / name
    if not path.is_file():
        raise ApiError(404, "not_found", "There is no such chart.")
    return FileResponse(path, media_type="image/png")


@router.get("/events")
def events_page(
    request: Request,
    seen: Secretariat,
    conn: Conn,
    community: str | None = None,
    period: str | None = None,
    action: str | None = None,
) -> Response:
    found = audit.events(conn, None, community or None, period or None, action or None)
    actions = [r[0] for r in conn.execute("SELECT DISTINCT action FROM events ORDER BY action")]
    return pages(request).render(
        request,
        seen,
        "events.html",
        events=list(reversed(found))[:500],
        total=len(found),
        community=community or "",
        period=period or "",
        action=action or "",
        actions=actions,
    )
