"""The portal in a real browser: Debian's Chromium, driven by Playwright, against the real app.

One coordinator's whole path (portal.md "Pages"): the invitation link, setting
a password, home, uploading a workbook with mistakes, reading each problem at
its cell, downloading the annotated copy, switching to French, uploading the
fixed workbook and submitting it.

The tests run in the order written and share one signed-in browser page (the
module's fixtures), so the whole file takes a few seconds after the sample is
written. They need Chromium: without it they FAIL, saying how to install it
(CI must never skip them). Deselect them with ``-m "not browser"``.

With ``CONNECTOR_ROLLUP_SCREENSHOTS=docs/screenshots`` the tests also save a
PNG of each main page there (the README and docs show them); otherwise they
write none.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from connector_rollup.portal import accounts, demo, i18n
from connector_rollup.portal.app import create_app
from connector_rollup.portal.db import connect
from connector_rollup.portal.settings import Settings
from connector_rollup.registry import load_registry
from synthetic.sample import SAMPLE_QUARTER

pytestmark = pytest.mark.browser

INSTALL_CHROMIUM = (
    "Chromium is needed for the browser tests: install Debian's package with "
    "`apt-get install -y chromium chromium-driver` (.ci/run does), or point "
    "CONNECTOR_ROLLUP_CHROMIUM at a Chromium binary; deselect these tests with -m 'not browser'."
)
EMAIL = "ana.coordinator@ns-hfx.example.org"
PASSWORD = "a long enough test password"
COMMUNITY = demo.DEMO_COMMUNITY
PERIOD = SAMPLE_QUARTER.label
SCREENSHOTS = os.environ.get("CONNECTOR_ROLLUP_SCREENSHOTS")


def chromium_path() -> str:
    """Debian's Chromium (or CONNECTOR_ROLLUP_CHROMIUM); fails the test, never skips, without it."""
    wanted = os.environ.get("CONNECTOR_ROLLUP_CHROMIUM")
    found = shutil.which(wanted) if wanted else shutil.which("chromium")
    if found is None:
        pytest.fail(INSTALL_CHROMIUM, pytrace=False)
    return found


def shot(page, name: str) -> None:
    """Save the whole page as ``<name>.png`` when CONNECTOR_ROLLUP_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@dataclass(frozen=True)
class Portal:
    url: str
    data_dir: Path
    raw_dir: Path
    with_errors: Path  # the demo's workbook with three mistakes (portal/demo.py)
    fixed: Path  # the same workbook without them


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """The real app under uvicorn, in a thread, on a free port, over the demo's sample."""
    import uvicorn

    root = tmp_path_factory.mktemp("portal")
    data_dir, raw_dir = root / "data", root / "raw"
    registry = load_registry()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    demo.set_up(data_dir, raw_dir, registry, url)  # the sample in raw/, the held-back workbooks
    demo_dir = data_dir / "demo"
    settings = Settings(
        data_dir=data_dir,
        raw_dir=raw_dir,
        registry=registry,
        warehouse=root / "warehouse" / "warehouse.duckdb",  # nothing lands in the working tree
        reports_dir=root / "reports",
    )
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("The portal's server did not start within 20 s.")
        time.sleep(0.02)
    try:
        yield Portal(
            url,
            data_dir,
            raw_dir,
            demo_dir / f"{COMMUNITY}_{PERIOD}_with-errors.xlsx",
            demo_dir / f"{COMMUNITY}_{PERIOD}.xlsx",
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright is needed for the browser tests: pip install -c constraints.txt -e '.[test]'.",
            pytrace=False,
        )
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def page(browser):
    """One tab, English, wide enough for the problem tables; downloads allowed."""
    context = browser.new_context(
        locale="en-CA", accept_downloads=True, viewport={"width": 1200, "height": 800}
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="module")
def invitation(portal):
    """A new coordinator of the demo community and their one-time link, as `portal add-user` makes."""
    conn = connect(portal.data_dir)
    try:
        _, secret = accounts.add_user(
            conn, EMAIL, role="coordinator", community_code=COMMUNITY, name="Ana Coordinator"
        )
    finally:
        conn.close()
    return f"{portal.url}/invite/{secret}"


@pytest.fixture(scope="module")
def signed_in(page, portal, invitation):
    """The coordinator, signed in through their invitation link (test 1 checks each step)."""
    from playwright.sync_api import expect

    page.goto(f"{portal.url}/sign-in")
    expect(page.locator("h1")).to_have_text("Sign in")
    shot(page, "sign-in")
    page.goto(invitation)
    expect(page.locator("h1")).to_have_text("Set your password")
    expect(page.locator("main")).to_contain_text(f"Choose a password for {EMAIL}")
    shot(page, "set-password")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_url(f"{portal.url}/home")
    return invitation


@pytest.fixture(scope="module")
def errors_upload(page, portal, signed_in):
    """The address of the page checking the demo's workbook with mistakes."""
    return upload(page, portal, portal.with_errors)


def upload(page, portal, workbook: Path) -> str:
    page.goto(f"{portal.url}/home")
    page.set_input_files("#file", str(workbook))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(f"{portal.url}/uploads/*")
    return page.url


def test_invitation_link_sets_the_password_and_lands_home(page, portal, signed_in):
    from playwright.sync_api import expect

    expect(page.locator("h1")).to_contain_text(f"Halifax ({COMMUNITY})")
    expect(page.locator("header.site")).to_contain_text(f"Ana Coordinator ({EMAIL})")
    # Before or after the quarter's due date, depending on today's date.
    expect(page.locator("#quarter ~ .notice")).to_contain_text("Not submitted yet")
    expect(page.locator("#history ~ p")).to_have_text("Nothing uploaded yet.")
    shot(page, "home")
    # The link works once: opened again it says so, and the password now signs in.
    page.goto(signed_in)
    expect(page.locator(".notice.error")).to_contain_text("This invitation link is not valid")
    page.goto(f"{portal.url}/home")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{portal.url}/sign-in")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{portal.url}/home")


def test_each_problem_is_shown_at_its_cell_with_the_value_found(page, errors_upload):
    from playwright.sync_api import expect

    page.goto(errors_upload)
    expect(page.locator("h1 .badge")).to_have_text("checked, not submitted")
    # demo.py wrote "maria.gomez@@example" into Connectees!D3 (row 3, the Email column).
    email = page.locator("tr", has=page.locator("td.cell", has_text="D3"))
    expect(email).to_have_count(1)
    expect(email.locator(".value")).to_have_text("maria.gomez@@example")
    expect(email.locator(".badge")).to_have_text("error")
    expect(email.locator("td").nth(3)).to_contain_text("email")
    # ... a blank First name in B4 and "last Tuesday" as Application date in K5.
    first_name = page.locator("tr", has=page.locator("td.cell", has_text="B4"))
    expect(first_name.locator("td").nth(2)).to_have_text("(blank)")
    date = page.locator("tr", has=page.locator("td.cell", has_text="K5"))
    expect(date.locator(".value")).to_have_text("last Tuesday")
    expect(page.locator(".notice.error").first).to_contain_text("Rows with errors do not count")
    shot(page, "check-with-errors-en")


def test_the_annotated_copy_downloads_with_a_problems_sheet(page, errors_upload, tmp_path):
    page.goto(errors_upload)
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download the workbook with the problems marked").click()
    download = caught.value
    assert download.suggested_filename == f"{COMMUNITY}_{PERIOD}_with-errors-checked.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = load_workbook(saved)
    assert "Problems" in book.sheetnames
    problems = book["Problems"]
    cells = {str(v) for row in problems.iter_rows(values_only=True) for v in row if v}
    assert "D3" in cells and "maria.gomez@@example" in cells
    assert book["Connectees"]["D3"].comment is not None  # the cell itself is marked too


def test_the_pages_switch_to_french(page, portal, errors_upload):
    from playwright.sync_api import expect

    page.goto(errors_upload)
    page.get_by_role("button", name="Français").click()
    try:
        page.wait_for_url(errors_upload)  # back on the same page
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_role("button", name="English")).to_be_visible()
        # Whatever the French catalog says for the heading, the page shows it, not the English.
        french = i18n.translations("fr").gettext("What to do")
        assert french != "What to do", "the French catalog lacks 'What to do'"
        expect(page.locator("#verdict")).to_have_text(french)
        expect(page.locator("td.cell", has_text="D3")).to_have_count(1)
        shot(page, "check-with-errors-fr")
        page.goto(f"{portal.url}/home")
        expect(page.locator("html")).to_have_attribute("lang", "fr")  # remembered
    finally:  # back to English for the tests after this one
        english = page.get_by_role("button", name="English")
        if english.count():
            english.click()
            expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_fixed_workbook_is_submitted_into_raw(page, portal, signed_in):
    from playwright.sync_api import expect

    checked = upload(page, portal, portal.fixed)
    expect(page.locator("h1 .badge")).to_have_text("checked, not submitted")
    expect(page.locator("tr td.cell")).to_have_count(0)  # no problem at any cell
    page.get_by_role("button", name=f"Submit for {PERIOD}").click()
    page.wait_for_url(checked)
    expect(page.locator("h1 .badge")).to_have_text("submitted")
    expect(page.locator("#verdict ~ .notice.ok")).to_contain_text("The next roll-up counts it")
    shot(page, "submitted")
    sha256 = hashlib.sha256(portal.fixed.read_bytes()).hexdigest()
    stored = portal.raw_dir / COMMUNITY / PERIOD / f"{sha256}.xlsx"
    assert stored.read_bytes() == portal.fixed.read_bytes()
    page.goto(f"{portal.url}/home")
    expect(page.locator(".notice.ok")).to_contain_text("Submitted on")


def test_pages_answer_many_requests_at_once(page, portal, signed_in):
    """A browser asks for several things at once: each request's database connection may move
    between the server's pool threads, and no page may fail for it."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.Client(base_url=portal.url, cookies=cookies) as client:
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda _: client.get("/home").status_code, range(48)))
    assert codes == [200] * 48
