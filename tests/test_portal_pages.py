"""The portal's pages and their safety (portal.md "Pages", "Limits and safety"), without a browser."""

from __future__ import annotations

import re

import pytest
from portal_harness import CBRT, HFX, PASSWORD, make_portal, q2_workbook
from test_bad_input import _bomb, _not_workbooks, _valid

from connector_rollup.portal import accounts
from connector_rollup.portal.db import now
from connector_rollup.portal.i18n import preferred


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    return make_portal(tmp_path_factory.mktemp("pages"), passwords=True)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _signed_in(portal, email=HFX):
    client = portal.client.__class__(portal.client.app, base_url="http://testserver")
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": email, "password": PASSWORD, "csrf": _csrf(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def test_pages_carry_a_content_security_policy_and_cookies_their_flags(portal):
    page = portal.client.get("/sign-in")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    response = portal.client.post(
        "/sign-in",
        data={"email": HFX, "password": PASSWORD, "csrf": _csrf(page.text)},
        follow_redirects=False,
    )
    session = response.headers["set-cookie"]
    assert session.startswith("portal_session=") and "HttpOnly" in session
    assert "SameSite=lax" in session and "Max-Age" not in session  # ends with the browser


def test_over_https_the_cookies_are_secure(portal):
    client = portal.client.__class__(portal.client.app, base_url="https://testserver")
    page = client.get("/sign-in")
    assert "Secure" in page.headers["set-cookie"]


def test_a_form_posted_without_its_token_is_refused(portal):
    portal.client.get("/sign-in")
    response = portal.client.post("/sign-in", data={"email": HFX, "password": PASSWORD})
    assert response.status_code == 403
    client = _signed_in(portal)
    home = client.get("/home")
    assert home.status_code == 200
    for url, data in (("/sign-out", {}), ("/language", {"lang": "fr"})):
        assert client.post(url, data=data).status_code == 403
        assert client.post(url, data={**data, "csrf": "forged"}).status_code == 403
    with open(q2_workbook(portal.tmp / "q2.xlsx"), "rb") as f:
        refused = client.post("/uploads", files={"file": ("q2.xlsx", f)})
    assert refused.status_code == 403
    assert client.get("/home").status_code == 200  # still signed in: nothing was changed


def test_sign_in_upload_read_the_cell_and_submit(portal):
    client = _signed_in(portal)
    home = client.get("/home")
    assert "Halifax" in home.text and "Not submitted yet" in home.text
    with open(q2_workbook(portal.tmp / "q2e.xlsx", errors=True), "rb") as f:
        response = client.post(
            "/uploads",
            data={"csrf": _csrf(home.text)},
            files={"file": ("mine.xlsx", f)},
            follow_redirects=False,
        )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert 'id="Connectees-D4"' in page.text and "e3@@example" in page.text
    assert "2 rows are left out" in page.text
    submitted = client.post(
        response.headers["location"] + "/submit",
        data={"csrf": _csrf(page.text)},
        follow_redirects=True,
    )
    assert "This workbook is your community's submission" in submitted.text, re.findall(
        r'class="notice[^"]*"[^>]*>([^<]*)', submitted.text
    )


def test_another_communitys_upload_page_is_404(portal):
    mine = portal.upload(HFX, q2_workbook(portal.tmp / "q2.xlsx")).json()
    other = _signed_in(portal, CBRT)
    for url in (f"/uploads/{mine['id']}", f"/uploads/{mine['id']}/annotated"):
        assert other.get(url).status_code == 404
    page = other.get(f"/uploads/{mine['id']}")
    assert "not yours to see" in page.text and "NS-HFX" not in page.text
    assert other.post(f"/uploads/{mine['id']}/submit", data={"csrf": "x"}).status_code in (403, 404)


def test_a_page_asked_for_signed_out_leads_to_sign_in(portal):
    client = portal.client.__class__(portal.client.app, base_url="http://testserver")
    response = client.get("/home", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"


def test_ten_failed_sign_ins_lock_the_email_for_15_minutes(tmp_path):
    portal = make_portal(tmp_path)
    conn = portal.db()
    for _ in range(accounts.LOCKOUT_FAILURES):
        conn.execute(  # ten failures just now, without ten Argon2 hashes
            "INSERT INTO sign_in_failures (email, at) VALUES (?, ?)", (CBRT.upper(), now())
        )
    page = portal.client.get("/sign-in")
    response = portal.client.post(
        "/sign-in", data={"email": CBRT, "password": "whatever", "csrf": _csrf(page.text)}
    )
    assert response.status_code == 429
    assert re.search(r"Try again after \d\d:\d\d \w+\.", response.text)  # with its time zone


def test_a_wrong_password_is_401_and_counted(portal):
    page = portal.client.get("/sign-in")
    response = portal.client.post(
        "/sign-in", data={"email": CBRT, "password": "not it at all", "csrf": _csrf(page.text)}
    )
    assert response.status_code == 401
    assert "The email or the password is not right." in response.text
    count = (
        portal.db()
        .execute("SELECT COUNT(*) FROM sign_in_failures WHERE email = ?", (CBRT,))
        .fetchone()[0]
    )
    assert count >= 1


def test_an_invitation_sets_the_password_once(tmp_path):
    portal = make_portal(tmp_path)
    _, secret = accounts.add_user(
        portal.db(),
        "new@hfx.example.org",
        role="coordinator",
        community_code="NS-HFX",
        language="fr",
    )
    client = portal.client
    page = client.get(f"/invite/{secret}")
    assert page.status_code == 200 and "new@hfx.example.org" in page.text
    short = client.post(
        f"/invite/{secret}",
        data={"password": "short", "confirm": "short", "csrf": _csrf(page.text)},
    )
    assert short.status_code == 400
    done = client.post(
        f"/invite/{secret}",
        data={"password": PASSWORD, "confirm": PASSWORD, "csrf": _csrf(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert client.get("/home").text.startswith('<!doctype html>\n<html lang="fr">')
    assert client.get(f"/invite/{secret}").status_code == 404  # used up


def test_the_language_comes_from_the_browser_until_chosen(portal):
    assert preferred("fr-CA,fr;q=0.9,en;q=0.8") == "fr"
    assert preferred("en-US,en;q=0.9,fr;q=0.8") == "en"
    assert preferred("de-DE, fr;q=0.5") == "fr"
    assert preferred(None) == "en"
    client = portal.client.__class__(portal.client.app, base_url="http://testserver")
    page = client.get("/sign-in", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert '<html lang="fr">' in page.text
    switched = client.post(
        "/language",
        data={"lang": "en", "next": "//evil.example", "csrf": _csrf(page.text)},
        follow_redirects=False,
    )
    assert switched.headers["location"] == "/"  # never a redirect off the portal
    again = client.get("/sign-in", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert '<html lang="en">' in again.text


def test_templates_download_in_both_languages(portal):
    client = _signed_in(portal)
    for lang, sheet in (("en", "Connectees"), ("fr", "Connectés")):
        response = client.get(f"/template/{lang}.xlsx")
        assert response.status_code == 200
        path = portal.tmp / f"template-{lang}.xlsx"
        path.write_bytes(response.content)
        from openpyxl import load_workbook

        assert sheet in load_workbook(path, read_only=True).sheetnames


def test_every_hostile_file_gets_its_sentence_and_the_portal_keeps_serving(tmp_path):
    portal = make_portal(tmp_path)
    (tmp_path / "cases").mkdir()
    cases = _not_workbooks(tmp_path / "cases")
    for name, (content, _code) in cases.items():
        path = tmp_path / "cases" / name
        path.write_bytes(content)
        response = portal.upload(HFX, path)
        assert response.status_code == 201, (name, response.text)
        body = response.json()
        assert body["status"] == "rejected", name
        assert body["reason"] and body["reason"].endswith("."), (name, body["reason"])
    assert portal.client.get("/sign-in").status_code == 200


def test_zip_bombs_are_rejected_with_their_sentence(tmp_path):
    portal = make_portal(tmp_path)
    valid = _valid(tmp_path / "valid.xlsx")
    for declared in (None, 2676):  # the directory tells the truth, or lies
        bomb = _bomb(valid, tmp_path / f"bomb-{declared}.xlsx", declared=declared)
        body = portal.upload(HFX, bomb).json()
        assert body["status"] == "rejected", body
        assert "MB" in body["reason"] and body["reason"].endswith(".")
    assert portal.client.get("/sign-in").status_code == 200
