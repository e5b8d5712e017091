"""The secretariat's quarter in the portal (portal.md "The secretariat's operations", issue 10)."""

from __future__ import annotations

import datetime as dt

import pytest
from portal_harness import HFX, PASSWORD, Q2, SEC, make_portal, q2_workbook

from connector_rollup.periods import Period
from connector_rollup.portal import audit
from connector_rollup.portal.quarter import RawFile, board, due_on, summary
from connector_rollup.registry import load_registry

PERIOD = Period.parse(Q2)  # ends 2026-09-30
DUE = due_on(PERIOD, 45)


def _raw(code, submitted_on, status="accepted", mtime=1.0, sha=None, period=Q2):
    return RawFile(
        f"{code}/{sha or submitted_on}.xlsx",
        mtime,
        sha or f"{code}{submitted_on}",
        code,
        period,
        submitted_on,
        status,
        0,
        1,
        True,
    )


@pytest.fixture(scope="module")
def registry():
    full = load_registry()
    return {code: full[code] for code in ("NS-HFX", "NS-CBRT", "NS-TRUR", "QC-MTL")}


def test_the_due_date_is_45_days_after_the_quarter():
    assert DUE == dt.date(2026, 11, 14)


@pytest.mark.parametrize(
    "files, uploads, expected",
    [
        ([], [], "missing"),
        ([_raw("NS-HFX", "2026-11-14")], [], "submitted"),  # on the due date: on time
        ([_raw("NS-HFX", "2026-11-15")], [], "late"),
        ([_raw("NS-HFX", None, status="rejected")], [], "rejected"),
        # A later accepted workbook wins over a rejected one.
        ([_raw("NS-HFX", None, status="rejected"), _raw("NS-HFX", "2026-10-02")], [], "submitted"),
        # Another quarter's workbook does not count for this one.
        ([_raw("NS-HFX", "2026-07-20", period="2026-27-Q1")], [], "missing"),
    ],
)
def test_board_statuses_from_the_raw_folder(registry, files, uploads, expected):
    rows = {r["community_code"]: r for r in board(PERIOD, registry, files, uploads, DUE)}
    assert rows["NS-HFX"]["status"] == expected
    assert rows["NS-CBRT"]["status"] == "missing"


def test_a_portal_submission_is_timed_when_the_portal_received_it(registry):
    files = [_raw("NS-HFX", "2026-11-01", sha="abc")]
    uploads = [_upload("abc", "submitted", submitted_at="2026-11-20T10:00:00+00:00")]
    [row] = [
        r for r in board(PERIOD, registry, files, uploads, DUE) if r["community_code"] == "NS-HFX"
    ]
    assert (row["status"], row["submitted_at"], row["upload_id"]) == (
        "late",
        "2026-11-20T10:00:00+00:00",
        "u_abc",
    )


def test_sent_back_until_the_community_submits_again(registry):
    sent = _upload(
        "abc",
        "sent_back",
        submitted_at="2026-11-01T09:00:00+00:00",
        sent_back_at="2026-11-02T09:00:00+00:00",
        comment="Fix the dates.",
    )
    rows = {r["community_code"]: r for r in board(PERIOD, registry, [], [sent], DUE)}
    assert (rows["NS-HFX"]["status"], rows["NS-HFX"]["comment"]) == ("sent_back", "Fix the dates.")
    # An earlier submission still in --raw does not hide the send-back ...
    older = _raw("NS-HFX", "2026-10-20", sha="old", mtime=1.0)
    rows = {r["community_code"]: r for r in board(PERIOD, registry, [older], [sent], DUE)}
    assert rows["NS-HFX"]["status"] == "sent_back"
    # ... a new submission does.
    new = _raw("NS-HFX", "2026-11-03", sha="new", mtime=2.0)
    resubmitted = _upload("new", "submitted", submitted_at="2026-11-03T12:00:00+00:00")
    rows = {
        r["community_code"]: r
        for r in board(PERIOD, registry, [older, new], [sent, resubmitted], DUE)
    }
    assert rows["NS-HFX"]["status"] == "submitted"


def test_the_count_at_the_top(registry):
    files = [
        _raw("NS-HFX", "2026-11-01"),
        _raw("NS-CBRT", "2026-11-20"),
        _raw("QC-MTL", None, status="rejected"),
    ]
    rows = board(PERIOD, registry, files, [], DUE)
    assert summary(rows, DUE, dt.date(2026, 11, 30)) == {
        "total": 4,
        "submitted": 2,
        "late": 1,
        "missing": 1,
        "overdue": 1,
        "rejected": 1,
        "sent_back": 0,
    }
    assert summary(rows, DUE, dt.date(2026, 11, 1))["overdue"] == 0


def _upload(sha, status, submitted_at=None, sent_back_at=None, comment=None):
    return {
        "id": f"u_{sha}",
        "sha256": sha,
        "community_code": "NS-HFX",
        "status": status,
        "submitted_at": submitted_at,
        "sent_back_at": sent_back_at,
        "sent_back_comment": comment,
        "errors": 0,
        "warnings": 0,
    }


# --- through the API ---------------------------------------------------------------------


@pytest.fixture
def portal(tmp_path):
    return make_portal(tmp_path)


@pytest.mark.parametrize(
    "method, url, body",
    [
        ("get", f"/api/v1/quarters/{Q2}/board", None),
        ("post", "/api/v1/uploads/u_1/send-back", {"comment": "x"}),
        ("get", "/api/v1/review", None),
        (
            "post",
            "/api/v1/review/decisions",
            {"record_a": "NS-HFX:C1", "record_b": "NS-CBRT:C1", "decision": "same"},
        ),
        ("post", "/api/v1/rollups", {"quarter": Q2}),
        ("get", "/api/v1/rollups/r_1", None),
        ("get", "/api/v1/events", None),
        ("post", f"/api/v1/quarters/{Q2}/publish", {"note": "x"}),
    ],
)
def test_every_secretariat_route_is_refused_to_coordinators(portal, method, url, body):
    kwargs = {"json": body} if body is not None else {}
    response = getattr(portal.client, method)(url, headers=portal.auth(HFX), **kwargs)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "secretariat_only"
    assert getattr(portal.client, method)(url, **kwargs).status_code == 401


def test_the_board_through_the_api_and_send_back(portal):
    response = portal.client.get(f"/api/v1/quarters/{Q2}/board", headers=portal.auth(SEC))
    assert response.status_code == 200
    body = response.json()
    assert body["due_on"] == "2026-11-14" and len(body["communities"]) == 44
    assert {r["status"] for r in body["communities"]} == {"missing"}

    upload = portal.upload(HFX, q2_workbook(portal.tmp / "q2.xlsx")).json()
    portal.client.post(f"/api/v1/uploads/{upload['id']}/submit", headers=portal.auth(HFX))
    rows = {
        r["community_code"]: r
        for r in portal.client.get(f"/api/v1/quarters/{Q2}/board", headers=portal.auth(SEC)).json()[
            "communities"
        ]
    }
    assert rows["NS-HFX"]["upload_id"] == upload["id"]
    assert rows["NS-HFX"]["status"] in ("submitted", "late")  # by today's date against 2026-11-14

    refused = portal.client.post(
        f"/api/v1/uploads/{upload['id']}/send-back", headers=portal.auth(SEC), json={"comment": " "}
    )
    assert refused.status_code == 400
    sent = portal.client.post(
        f"/api/v1/uploads/{upload['id']}/send-back",
        headers=portal.auth(SEC),
        json={"comment": "Row 4 has the wrong intake date."},
    )
    assert sent.status_code == 200 and sent.json()["status"] == "sent_back"
    assert sent.json()["sent_back_comment"] == "Row 4 has the wrong intake date."
    assert not list((portal.settings.raw_dir / "NS-HFX" / Q2).glob("*.xlsx"))  # no longer counts
    mine = portal.client.get(f"/api/v1/uploads/{upload['id']}", headers=portal.auth(HFX)).json()
    assert mine["sent_back_comment"] == "Row 4 has the wrong intake date."
    again = portal.client.post(
        f"/api/v1/uploads/{upload['id']}/send-back", headers=portal.auth(SEC), json={"comment": "x"}
    )
    assert again.status_code == 409
    assert (
        portal.client.post(
            f"/api/v1/uploads/{upload['id']}/submit", headers=portal.auth(HFX)
        ).status_code
        == 409
    )
    rows = {
        r["community_code"]: r
        for r in portal.client.get(f"/api/v1/quarters/{Q2}/board", headers=portal.auth(SEC)).json()[
            "communities"
        ]
    }
    assert rows["NS-HFX"]["status"] == "sent_back"


def test_decisions_are_stored_exported_for_the_roll_up_and_audited(portal):
    body = {
        "record_a": "NS-HFX:C1",
        "record_b": "NS-CBRT:K9",
        "decision": "same",
        "note": "=called both",
    }
    response = portal.client.post("/api/v1/review/decisions", headers=portal.auth(SEC), json=body)
    assert response.status_code == 201
    assert (response.json()["record_a"], response.json()["decided_by"]) == ("NS-CBRT:K9", SEC)
    text = portal.settings.decisions_file.read_text(encoding="utf-8")
    assert text.splitlines() == [
        "record_a,record_b,decision,note",
        "NS-CBRT:K9,NS-HFX:C1,same,'=called both",
    ]
    from connector_rollup.rollup.identity import load_decisions

    [decision] = load_decisions(portal.settings.decisions_file)
    assert decision.same
    bad = portal.client.post(
        "/api/v1/review/decisions", headers=portal.auth(SEC), json={**body, "decision": "maybe"}
    )
    assert bad.status_code == 400
    events = audit.events(portal.db(), action="decision")
    assert [e["who"] for e in events] == [SEC]
    since = portal.client.get(
        "/api/v1/events", params={"action": "decision"}, headers=portal.auth(SEC)
    ).json()["events"]
    assert [e["detail"] for e in since] == ["NS-CBRT:K9 same NS-HFX:C1"]


def test_decisions_typed_into_the_file_are_merged_never_lost(portal):
    """The portal rewrites the decisions file after each decision: what was typed into it by
    hand since is taken into the database first (a change of mind in the file wins)."""
    file = portal.settings.decisions_file
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(
        "record_a,record_b,decision,note\n"
        "NS-HFX:C1,NS-CBRT:C2,different,two people\n"
        "ON-TB:50011,ON-TB:50037,different,shared mailbox\n"
    )
    body = {"record_a": "QC-MTL:K1", "record_b": "QC-MTL:K2", "decision": "same"}
    response = portal.client.post("/api/v1/review/decisions", headers=portal.auth(SEC), json=body)
    assert response.status_code == 201
    lines = file.read_text().splitlines()
    assert "ON-TB:50011,ON-TB:50037,different,shared mailbox" in lines
    assert "NS-CBRT:C2,NS-HFX:C1,different,two people" in lines
    assert "QC-MTL:K1,QC-MTL:K2,same," in lines
    # A change of mind typed into the file is taken too, and said in the audit log.
    file.write_text(file.read_text().replace("different,two people", "same,one person after all"))
    portal.client.post(
        "/api/v1/review/decisions",
        headers=portal.auth(SEC),
        json={**body, "record_b": "QC-MTL:K3"},
    )
    assert "NS-CBRT:C2,NS-HFX:C1,same,one person after all" in file.read_text().splitlines()
    assert [e["detail"] for e in audit.events(portal.db(), action="decision_from_file")][-1] == (
        "NS-CBRT:C2 same NS-HFX:C1 (connector-decisions.csv)"
    )


def test_a_broken_decisions_file_is_said_not_overwritten(portal):
    file = portal.settings.decisions_file
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text("record_a,record_b,decision,note\nNS-HFX:C1,NS-CBRT:C2,maybe,\n")
    body = {"record_a": "QC-MTL:K1", "record_b": "QC-MTL:K2", "decision": "same"}
    response = portal.client.post("/api/v1/review/decisions", headers=portal.auth(SEC), json=body)
    assert response.status_code == 409 and "maybe" in response.json()["error"]["message"]
    assert "maybe" in file.read_text()


# --- the pages ---------------------------------------------------------------------------


def _page_client(portal, email):
    import re

    client = portal.client.__class__(portal.client.app, base_url="http://testserver")
    page = client.get("/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf": csrf})
    return client


def _csrf(html):
    import re

    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def paged(tmp_path_factory):
    return make_portal(tmp_path_factory.mktemp("secretariat-pages"), passwords=True)


@pytest.mark.parametrize(
    "url",
    ["/board", "/communities/NS-HFX", "/review", "/rollups", "/events", f"/reports/{Q2}/national"],
)
def test_secretariat_pages_are_refused_to_coordinators(paged, url):
    coordinator = _page_client(paged, HFX)
    response = coordinator.get(url)
    assert response.status_code == 403
    assert "Only the secretariat may see this page." in response.text


def test_the_board_page_counts_and_filters(paged):
    client = _page_client(paged, SEC)
    page = client.get("/board", params={"period": "2026-27-Q1"})
    assert page.status_code == 200
    assert "1 of 44 submitted, 0 late." in page.text  # the harness's Halifax workbook in --raw
    assert "Due on 2026-08-14." in page.text
    only = client.get("/board", params={"period": "2026-27-Q1", "status": "submitted"})
    assert only.text.count('href="/communities/') == 1 and "NS-HFX" in only.text


def test_send_back_from_the_community_page_reaches_the_coordinator(paged):
    upload = paged.upload(HFX, q2_workbook(paged.tmp / "q2.xlsx")).json()
    paged.client.post(f"/api/v1/uploads/{upload['id']}/submit", headers=paged.auth(HFX))
    client = _page_client(paged, SEC)
    page = client.get("/communities/NS-HFX")
    assert upload["id"] in page.text and "Send back" in page.text
    sent = client.post(
        f"/uploads/{upload['id']}/send-back",
        data={"comment": "Intake dates are in the future.", "csrf": _csrf(page.text)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    home = _page_client(paged, HFX).get("/home")
    assert "The secretariat sent your submission back:" in home.text
    assert "Intake dates are in the future." in home.text


def test_a_decision_taken_on_the_review_page_is_written_for_the_roll_up(paged):
    paged.settings.review_file.parent.mkdir(parents=True, exist_ok=True)
    paged.settings.review_file.write_text(
        "record_a,record_b,reason,detail,decided,name_a,email_a,phone_a,organization_a,"
        "name_b,email_b,phone_b,organization_b\n"
        "NS-HFX:C1,NS-CBRT:K9,same_name_no_link,Same full name,,Ana Roy,ana@x.ca,,Bank,"
        "Ana Roy,ana.roy@y.ca,'+1 902 555 0100,Bank\n",
        encoding="utf-8",
    )
    client = _page_client(paged, SEC)
    page = client.get("/review")
    assert "1 pair to decide." in page.text
    assert "ana.roy@y.ca" in page.text and "ana@x.ca" in page.text
    assert "Same full name, nothing else in common" in page.text  # the reason, not its code
    assert "<dd>+1 902 555 0100</dd>" in page.text  # as typed, without the file's "'" guard
    client.post(
        "/review/decide",
        data={
            "record_a": "NS-HFX:C1",
            "record_b": "NS-CBRT:K9",
            "decision": "different",
            "note": "Two people",
            "csrf": _csrf(page.text),
        },
    )
    from connector_rollup.rollup.identity import load_decisions

    [decision] = load_decisions(paged.settings.decisions_file)
    assert (decision.record_a, decision.record_b, decision.same) == (
        "NS-CBRT:K9",
        "NS-HFX:C1",
        False,
    )
    assert "Decided by sec@example.org" in client.get("/review").text
    events = client.get("/events", params={"action": "decision"})
    assert "NS-CBRT:K9 different NS-HFX:C1" in events.text


def test_one_roll_up_at_a_time_and_a_killed_one_is_failed_with_a_sentence(tmp_path):
    """Starting, 409 while it runs, and how a stopped run ends. A run that completes, with its
    figures and reports, is tests/test_portal_browser_secretariat.py's (it takes a minute)."""
    import os
    import signal
    import time

    portal = make_portal(tmp_path)
    started = portal.client.post(
        "/api/v1/rollups", headers=portal.auth(SEC), json={"quarter": "2026-27-Q1"}
    ).json()
    assert started["status"] in ("scheduled", "running")
    second = portal.client.post("/api/v1/rollups", headers=portal.auth(SEC), json={"quarter": Q2})
    assert second.status_code == 409 and second.json()["error"]["code"] == "rollup_running"
    assert "2026-27-Q1 is still running" in second.json()["error"]["message"]
    pid = portal.db().execute("SELECT pid FROM rollups").fetchone()[0]
    os.killpg(pid, signal.SIGKILL)  # its own session: the run and whatever it started
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = portal.client.get(
            f"/api/v1/rollups/{started['id']}", headers=portal.auth(SEC)
        ).json()
        if body["status"] == "failed":
            break
        time.sleep(0.2)
    assert body["status"] == "failed"
    assert body["message"] == "The roll-up stopped before it finished; see its log."
    assert body["ended_at"] and body["figures"] is None
    again = portal.client.post("/api/v1/rollups", headers=portal.auth(SEC), json={"quarter": Q2})
    assert again.status_code == 202
    os.killpg(
        portal.db()
        .execute("SELECT pid FROM rollups WHERE id = ?", (again.json()["id"],))
        .fetchone()[0],
        signal.SIGKILL,
    )


def test_a_malformed_quarter_is_400(portal):
    response = portal.client.post(
        "/api/v1/rollups", headers=portal.auth(SEC), json={"quarter": "Q9"}
    )
    assert response.status_code == 400
    assert "write it like 2024-25-Q4" in response.json()["error"]["message"]


def test_publishing_without_a_roll_up_of_the_quarter_is_409_with_its_sentence(portal):
    response = portal.client.post(
        f"/api/v1/quarters/{Q2}/publish", headers=portal.auth(SEC), json={"note": "first"}
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "no_rollup" and error["message"].endswith(".")
    assert not [e for e in audit.events(portal.db()) if e["action"] == "publish"]


def test_with_a_deployment_configured_the_roll_up_is_a_run_of_it(portal, monkeypatch):
    """The Prefect server path, with Prefect's client stood in for: what is asked of the server,
    and how its flow run's states become the roll-up's."""
    import types
    import uuid

    from connector_rollup.portal import rollups

    asked = {}
    flow_run_id = uuid.uuid4()

    def run_deployment(name, parameters, timeout):
        asked.update(name=name, parameters=parameters, timeout=timeout)
        return types.SimpleNamespace(id=flow_run_id)

    state = {"type": "SCHEDULED", "message": None}

    class Client:
        def __init__(self, **kwargs):
            assert kwargs == {"sync_client": True}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read_flow_run(self, run_id):
            assert run_id == str(flow_run_id)
            kind = types.SimpleNamespace(value=state["type"])
            return types.SimpleNamespace(
                state=types.SimpleNamespace(type=kind, message=state["message"])
            )

    import prefect.client.orchestration
    import prefect.deployments

    monkeypatch.setattr(prefect.deployments, "run_deployment", run_deployment)
    monkeypatch.setattr(prefect.client.orchestration, "get_client", Client)
    monkeypatch.setenv(rollups.DEPLOYMENT_VARIABLE, "connector-rollup/quarterly-rollup")
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.example:4200/api")

    started = portal.client.post("/api/v1/rollups", headers=portal.auth(SEC), json={"quarter": Q2})
    assert started.json()["status"] == "scheduled"
    assert asked == {
        "name": "connector-rollup/quarterly-rollup",
        "parameters": {
            "quarter": Q2,
            "raw_dir": str(portal.settings.raw_dir),
            "warehouse": str(portal.settings.warehouse),
            "reports_dir": str(portal.settings.reports_dir),
        },
        "timeout": 0,
    }
    url = f"/api/v1/rollups/{started.json()['id']}"
    state["type"] = "RUNNING"
    assert portal.client.get(url, headers=portal.auth(SEC)).json()["status"] == "running"
    state.update(type="FAILED", message="Flow run encountered an exception: no workbooks.")
    body = portal.client.get(url, headers=portal.auth(SEC)).json()
    assert (body["status"], body["message"]) == (
        "failed",
        "Flow run encountered an exception: no workbooks.",
    )


def test_send_back_takes_every_workbook_of_the_quarter_out_of_the_count(portal):
    """An earlier workbook of the quarter (here one saved by hand) would count again otherwise,
    while the board says the community owes one."""
    import datetime as dt

    by_hand = q2_workbook(
        portal.settings.raw_dir / "NS-HFX" / "emailed-q2.xlsx", submitted_on=dt.date(2026, 10, 1)
    )
    upload = portal.upload(HFX, q2_workbook(portal.tmp / "q2.xlsx")).json()
    portal.client.post(f"/api/v1/uploads/{upload['id']}/submit", headers=portal.auth(HFX))
    portal.client.post(
        f"/api/v1/uploads/{upload['id']}/send-back",
        headers=portal.auth(SEC),
        json={"comment": "Intake dates in the future."},
    )
    assert not by_hand.exists()
    assert (portal.settings.sent_back_dir / "NS-HFX" / "emailed-q2.xlsx").is_file()
    left = sorted(p.name for p in portal.settings.raw_dir.rglob("*.xlsx"))
    assert left == ["q1.xlsx"]  # the first quarter is untouched
    # The same bytes again: blocked, with the reason on the upload and 409 on submit.
    again = portal.upload(HFX, portal.tmp / "q2.xlsx").json()
    assert again["blocked"] and "sent this very workbook back" in again["blocked"]
    refused = portal.client.post(f"/api/v1/uploads/{again['id']}/submit", headers=portal.auth(HFX))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "sent_back"


def test_a_quarter_that_has_not_begun_is_not_rolled_up(portal):
    response = portal.client.post(
        "/api/v1/rollups", headers=portal.auth(SEC), json={"quarter": "2099-00-Q1"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "future_quarter"
    assert "has not begun" in response.json()["error"]["message"]


def test_bad_query_parameters_are_400(portal):
    for url, headers in (
        ("/api/v1/uploads?period=banana", portal.auth(HFX)),
        ("/api/v1/events?since=yesterday", portal.auth(SEC)),
    ):
        response = portal.client.get(url, headers=headers)
        assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
    ok = portal.client.get("/api/v1/events?since=2020-01-01T00:00:00Z", headers=portal.auth(SEC))
    assert ok.status_code == 200


def test_a_workbook_saved_by_hand_shows_as_submitted_on_the_coordinators_home(paged):
    import datetime as dt

    q2_workbook(
        paged.settings.raw_dir / "NS-CBRT-q2.xlsx",
        community="NS-CBRT",
        submitted_on=dt.date(2026, 10, 30),
    )
    home = _page_client(paged, "coord@cbrt.example.org").get("/home")
    assert "Submitted on 2026-10-30." in home.text and "Not submitted yet" not in home.text


def test_a_coordinator_sees_their_own_communitys_figures_only(paged):
    import duckdb

    paged.settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(paged.settings.warehouse)) as db:  # the view's columns, two communities
        db.execute(
            "CREATE OR REPLACE TABLE community_quarterly AS SELECT * FROM (VALUES"
            " ('NS-HFX', '2026-27-Q1', 1111, 222, 33), ('NS-CBRT', '2026-27-Q1', 4444, 555, 66))"
            " AS t(community_code, period, connectees, connectors, jobs)"
        )
    try:
        home = _page_client(paged, HFX).get("/home")
        assert (
            "Your community&#39;s figures" in home.text or "Your community's figures" in home.text
        )
        assert "1111" in home.text and "222" in home.text
        assert "4444" not in home.text and "555" not in home.text
    finally:
        paged.settings.warehouse.unlink()


def test_the_board_marks_a_published_quarter_whose_figures_moved(paged, monkeypatch):
    """The wiring to publication.revised_periods (its own tests build the revisions)."""
    from connector_rollup.rollup import publication

    paged.settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    paged.settings.warehouse.touch()
    monkeypatch.setattr(publication, "revised_periods", lambda warehouse: {Q2})
    try:
        client = _page_client(paged, SEC)
        moved = client.get("/board", params={"period": Q2})
        assert f"Figures published for {Q2} have moved since publication" in moved.text
        still = client.get("/board", params={"period": "2026-27-Q1"})
        assert "have moved since publication" not in still.text
    finally:
        paged.settings.warehouse.unlink()


def test_a_communitys_page_links_its_reports_and_they_render(paged):
    report = paged.settings.reports_dir / Q2 / "communities" / "NS-HFX.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        "# Halifax\n\n| Figure | Now |\n| --- | ---: |\n| Connectees | 12 |\n\n<b>typed</b>\n",
        encoding="utf-8",
    )
    client = _page_client(paged, SEC)
    page = client.get("/communities/NS-HFX")
    assert f'href="/reports/{Q2}/communities/NS-HFX"' in page.text
    shown = client.get(f"/reports/{Q2}/communities/NS-HFX")
    assert shown.status_code == 200 and "<h1>Halifax</h1>" in shown.text
    assert '<td class="align-right">12</td>' in shown.text  # no inline style the CSP would block
    assert "&lt;b&gt;typed&lt;/b&gt;" in shown.text  # what a community typed stays text
