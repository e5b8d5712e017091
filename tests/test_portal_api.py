"""The portal's API v1 (shared/spec/portal.md "API (v1)"): every route, role and status of the contract."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook
from portal_harness import CBRT, HFX, Q2, SEC, make_portal, q1_workbook, q2_workbook

from connector_rollup.portal import audit


@pytest.fixture
def portal(tmp_path):
    return make_portal(tmp_path)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One portal for the tests that change nothing."""
    return make_portal(tmp_path_factory.mktemp("shared"))


def _files(folder):
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _uploaded(portal, email=HFX, **kwargs):
    response = portal.upload(email, q2_workbook(portal.tmp / "q2.xlsx", **kwargs))
    assert response.status_code == 201, response.text
    return response.json()


def test_an_upload_is_checked_against_the_communitys_history(portal):
    body = _uploaded(portal, errors=True)
    assert (body["community_code"], body["period"], body["status"]) == ("NS-HFX", Q2, "checked")
    assert body["uploaded_by"] == HFX and body["reason"] is None
    assert body["rows_read"] == 6 and body["rows_rejected"] == 2 and body["errors"] == 2
    bad = [i for i in body["issues"] if i["code"] == "bad_email"]
    assert bad == [
        {
            "sheet": "Connectees",
            "row": 4,
            "column": "Email",
            "cell": "D4",
            "severity": "error",
            "code": "bad_email",
            "message": bad[0]["message"],
        }
    ]
    # E1 and C1 are defined only in the submitted first quarter: resolved, no warning left.
    assert not [
        i for i in body["issues"] if i["code"] in ("id_not_in_workbook", "unknown_connector")
    ]
    assert body["impact"]["connectees"] == {"new": 0, "changed": 1, "withdrawn": 1}
    assert body["impact"]["connectors"] == {"new": 1, "changed": 0, "withdrawn": 0}
    # Stored under its hash, not its name; nothing written where the roll-up reads.
    assert (portal.settings.uploads_dir / f"{body['sha256']}.xlsx").is_file()
    assert sorted(p.name for p in portal.settings.raw_dir.rglob("*.xlsx")) == ["q1.xlsx"]


def test_impact_counts_new_records(portal):
    body = _uploaded(portal)
    assert body["impact"]["connectees"] == {"new": 1, "changed": 1, "withdrawn": 1}
    assert body["impact"]["introductions"] == {"new": 1, "changed": 0, "withdrawn": 0}


def test_a_workbook_of_another_community_is_403_and_nothing_is_stored(portal):
    response = portal.upload(CBRT, q2_workbook(portal.tmp / "hfx.xlsx"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "other_community"
    assert "NS-HFX" in response.json()["error"]["message"]
    assert not portal.settings.uploads_dir.exists() or not any(
        portal.settings.uploads_dir.iterdir()
    )
    assert not _files(portal.settings.incoming_dir)
    assert portal.client.get("/api/v1/uploads", headers=portal.auth(SEC)).json() == {"uploads": []}


def test_a_file_that_is_not_a_workbook_is_201_rejected_with_its_sentence(portal):
    path = portal.tmp / "notes.xlsx"
    path.write_bytes(b"Connectee ID,First name\nE1,Ana\n")
    response = portal.upload(HFX, path)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "rejected" and body["community_code"] == "NS-HFX"
    assert body["reason"].endswith(".") and "text" in body["reason"].lower()
    annotated = portal.client.get(
        f"/api/v1/uploads/{body['id']}/annotated", headers=portal.auth(HFX)
    )
    assert annotated.status_code == 409
    submitted = portal.client.post(f"/api/v1/uploads/{body['id']}/submit", headers=portal.auth(HFX))
    assert submitted.status_code == 409 and submitted.json()["error"]["code"] == "rejected"


@pytest.mark.parametrize(
    "method, suffix", [("get", ""), ("get", "/annotated"), ("post", "/submit")]
)
def test_every_upload_route_answers_404_to_another_community(portal, method, suffix):
    body = _uploaded(portal)
    url = f"/api/v1/uploads/{body['id']}{suffix}"
    other = getattr(portal.client, method)(url, headers=portal.auth(CBRT))
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found"
    missing = getattr(portal.client, method)(
        "/api/v1/uploads/u_0000" + suffix, headers=portal.auth(HFX)
    )
    assert missing.status_code == 404
    assert other.json() == missing.json()  # the answer does not confirm that the upload exists
    assert getattr(portal.client, method)(url, headers=portal.auth(SEC)).status_code == 200
    assert getattr(portal.client, method)(url, headers=portal.auth(HFX)).status_code == 200


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/api/v1/uploads"),
        ("post", "/api/v1/uploads"),
        ("get", "/api/v1/uploads/u_1"),
        ("get", "/api/v1/uploads/u_1/annotated"),
        ("post", "/api/v1/uploads/u_1/submit"),
    ],
)
@pytest.mark.parametrize("header", [None, "Bearer crt_wrong", "Basic abc"])
def test_no_or_a_bad_token_is_401(shared, method, url, header):
    headers = {"Authorization": header} if header else {}
    response = getattr(shared.client, method)(url, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_the_annotated_copy_marks_the_problem_cells(portal):
    body = _uploaded(portal, errors=True)
    response = portal.client.get(
        f"/api/v1/uploads/{body['id']}/annotated", headers=portal.auth(HFX)
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="q2-checked.xlsx"'
    path = portal.tmp / "annotated.xlsx"
    path.write_bytes(response.content)
    book = load_workbook(path)
    assert "Problems" in book.sheetnames
    assert book["Connectees"]["D4"].comment is not None


def test_submit_writes_the_workbook_where_the_roll_up_reads_and_supersedes(portal):
    first = _uploaded(portal)
    response = portal.client.post(f"/api/v1/uploads/{first['id']}/submit", headers=portal.auth(HFX))
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    target = portal.settings.raw_dir / "NS-HFX" / Q2 / f"{first['sha256']}.xlsx"
    assert target.read_bytes() == (portal.tmp / "q2.xlsx").read_bytes()
    again = portal.client.post(f"/api/v1/uploads/{first['id']}/submit", headers=portal.auth(HFX))
    assert again.status_code == 200 and again.json() == response.json()

    second = _uploaded(portal, submitted_on=dt.date(2026, 10, 22), errors=True)
    # Against the first, submitted: E3's row now has an error, so E3 would be taken out.
    assert second["impact"]["connectees"] == {"new": 0, "changed": 0, "withdrawn": 1}
    portal.client.post(f"/api/v1/uploads/{second['id']}/submit", headers=portal.auth(SEC))
    statuses = {
        u["id"]: u["status"]
        for u in portal.client.get("/api/v1/uploads", headers=portal.auth(HFX)).json()["uploads"]
    }
    assert statuses == {first["id"]: "superseded", second["id"]: "submitted"}
    events = [(e["action"], e["who"]) for e in audit.events(portal.db()) if e["action"] == "submit"]
    assert events == [("submit", HFX), ("submit", SEC)]


def test_an_upload_older_than_the_submitted_one_cannot_be_submitted(portal):
    newer = _uploaded(portal, submitted_on=dt.date(2026, 10, 25))
    portal.client.post(f"/api/v1/uploads/{newer['id']}/submit", headers=portal.auth(HFX))
    older = _uploaded(portal, submitted_on=dt.date(2026, 10, 21), errors=True)
    assert older["blocked"] and "Submitted on" in older["blocked"]
    response = portal.client.post(f"/api/v1/uploads/{older['id']}/submit", headers=portal.auth(HFX))
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_latest"


def test_listing_shows_each_coordinator_their_own_community_newest_first(portal):
    first = _uploaded(portal)
    cbrt = portal.upload(CBRT, q1_workbook(portal.tmp / "cbrt.xlsx", community="NS-CBRT")).json()
    second = _uploaded(portal, errors=True)
    ids = lambda email, query="": [  # noqa: E731
        u["id"]
        for u in portal.client.get(f"/api/v1/uploads{query}", headers=portal.auth(email)).json()[
            "uploads"
        ]
    ]
    assert ids(HFX) == [second["id"], first["id"]]
    assert ids(CBRT) == [cbrt["id"]]
    assert ids(SEC) == [second["id"], cbrt["id"], first["id"]]
    assert ids(SEC, "?period=2026-27-Q1") == [cbrt["id"]]


@pytest.mark.parametrize(
    "client_name", ["../../x.xlsx", "con.xlsx", "..\\..\\evil.xlsx", "/etc/passwd"]
)
def test_a_client_file_name_never_becomes_a_path(portal, client_name):
    path = q2_workbook(portal.tmp / "q2.xlsx")
    body = portal.upload(HFX, path, name=client_name).json()
    assert "/" not in body["file_name"] and "\\" not in body["file_name"]
    stored = sorted(p.name for p in portal.tmp.rglob("*") if p.is_file() and p.suffix == ".xlsx")
    assert f"{body['sha256']}.xlsx" in stored
    assert not (portal.tmp.parent / "x.xlsx").exists() and "con.xlsx" not in stored


def test_an_upload_over_the_limit_is_413_before_it_is_stored(tmp_path):
    portal = make_portal(tmp_path, max_upload_bytes=20_000)
    big = portal.tmp / "big.xlsx"
    big.write_bytes(b"PK" + bytes(200_000))
    response = portal.upload(HFX, big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not _files(portal.settings.incoming_dir)
    assert not portal.settings.uploads_dir.exists()

    # Without a Content-Length the stream itself is cut off at the limit.
    def chunks():
        yield (b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n\r\n')
        for _ in range(100):
            yield bytes(10_000)
        yield b"\r\n--b--\r\n"

    streamed = portal.client.post(
        "/api/v1/uploads",
        headers={**portal.auth(HFX), "Content-Type": "multipart/form-data; boundary=b"},
        content=chunks(),
    )
    assert streamed.status_code == 413
    assert not _files(portal.settings.incoming_dir)


def test_a_request_without_a_file_is_400(portal):
    response = portal.client.post(
        "/api/v1/uploads", headers=portal.auth(HFX), data={"other": "x"}, files={"x": ("a", b"1")}
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
    response = portal.client.post("/api/v1/uploads", headers=portal.auth(HFX), json={"file": 1})
    assert response.status_code == 400


def test_every_upload_is_an_audit_event(portal):
    body = _uploaded(portal)
    [event] = [e for e in audit.events(portal.db()) if e["action"] == "upload"]
    assert (event["who"], event["community_code"], event["period"], event["sha256"]) == (
        HFX,
        "NS-HFX",
        Q2,
        body["sha256"],
    )
    with pytest.raises(Exception, match="append-only"):
        portal.db().execute("DELETE FROM events")


def test_a_file_that_says_no_language_is_rejected_in_the_uploaders_language(portal):
    conn = portal.db()
    conn.execute("UPDATE users SET language = 'fr' WHERE email = ?", (HFX,))
    path = portal.tmp / "notes.xlsx"
    path.write_bytes(b"Connectee ID,First name\nE1,Ana\n")
    body = portal.upload(HFX, path).json()
    assert body["status"] == "rejected" and body["language"] == "fr"
    assert body["reason"].startswith("Le fichier n'est pas un classeur Excel")
