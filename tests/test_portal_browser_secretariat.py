"""The secretariat's path in a real browser (issue 10): the board, a Connector pair decided,
a roll-up run from the portal and its report read as a page, the quarter published.

Same harness as tests/test_portal_browser.py (its fixtures: the real app under
uvicorn over the demo's sample, one Chromium). The roll-up is the real flow in
the portal's background process: this module takes about a minute.
"""

from __future__ import annotations

import pytest
from test_portal_browser import browser, chromium_path, page, portal, shot  # noqa: F401

from connector_rollup.portal import accounts
from connector_rollup.portal.db import connect
from synthetic.sample import SAMPLE_QUARTER

pytestmark = pytest.mark.browser

EMAIL = "sam.secretariat@example.org"
PASSWORD = "a long enough secretariat password"
PERIOD = SAMPLE_QUARTER.label


@pytest.fixture(scope="module")
def secretariat(page, portal):  # noqa: F811
    """The secretariat, signed in."""
    conn = connect(portal.data_dir)
    try:
        user, _ = accounts.add_user(
            conn, EMAIL, role="secretariat", community_code=None, name="Sam Secretariat"
        )
        accounts.set_password(conn, user, PASSWORD, by="test")
    finally:
        conn.close()
    page.goto(f"{portal.url}/sign-in")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{portal.url}/board")  # the secretariat lands on the quarter board
    return EMAIL


def test_the_board_shows_who_has_submitted(page, portal, secretariat):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{portal.url}/home")
    page.get_by_role("link", name="Quarter board").click()
    page.wait_for_url(f"{portal.url}/board")
    # The demo keeps Halifax's latest workbook aside: 43 of the sample's 44 communities
    # less those the sample leaves without a workbook for the quarter.
    expect(page.locator("main .notice").first).to_contain_text("of 44 submitted")
    halifax = page.locator("tr", has=page.locator("a", has_text="Halifax"))
    expect(halifax.locator(".badge")).to_have_text("missing")
    shot(page, "board")
    page.select_option("#status", "missing")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("tbody tr", has=page.locator("a", has_text="Halifax"))).to_have_count(1)
    assert page.locator("tbody .badge", has_text="submitted").count() == 0


# A pair the sample's rules keep apart (same email, last names a letter apart), as the review
# list of an earlier roll-up showed it: the secretariat decides it is one person.
TYPO_PAIR = ("QC-TR:K0011", "QC-TR:K0051")
REVIEW_FILE = (
    "record_a,record_b,reason,detail,decided,name_a,email_a,phone_a,organization_a,"
    "name_b,email_b,phone_b,organization_b\n"
    "QC-TR:K0011,QC-TR:K0051,email_last_name_typo,Same email address; last names 1 letter apart,,"
    "Sarah Thompson,sarah.thompson@harbour-health.example.ca,,Harbour Health,"
    "Sarah Thomson,sarah.thompson@harbour-health.example.ca,,Harbour Health Centre\n"
)


def test_a_connector_pair_is_decided_in_the_browser(page, portal, secretariat):  # noqa: F811
    from playwright.sync_api import expect

    from connector_rollup.rollup.identity import load_decisions

    warehouse_dir = portal.data_dir.parent / "warehouse"
    warehouse_dir.mkdir(exist_ok=True)
    (warehouse_dir / "connector-review.csv").write_text(REVIEW_FILE, encoding="utf-8")
    page.goto(f"{portal.url}/review")
    first = page.locator("main section.card").first
    expect(first.locator("dl")).to_have_count(2)  # both records side by side
    expect(first.locator("h2")).to_contain_text("last names one or two letters apart")
    first.locator("input[name=note]").fill("Confirmed by phone: one person")
    first.get_by_role("button", name="Same person").click()
    page.wait_for_url(f"{portal.url}/review")
    expect(page.locator("section.card .badge").first).to_have_text("same person")
    decisions = load_decisions(warehouse_dir / "connector-decisions.csv")
    assert [(d.record_a, d.record_b, d.same, d.note) for d in decisions] == [
        (*TYPO_PAIR, True, "Confirmed by phone: one person")
    ]


def test_a_roll_up_runs_from_the_portal_and_its_report_reads_as_a_page(page, portal, secretariat):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{portal.url}/rollups")
    page.fill("#quarter", PERIOD)
    page.get_by_role("button", name="Run the roll-up").click()
    row = page.locator("tbody tr").first
    expect(row.locator(".badge")).to_have_text("completed", timeout=240_000)  # the page refreshes
    expect(row.locator("td.num").first).not_to_have_text("—")
    shot(page, "rollups")
    row.get_by_role("link", name="National report").click()
    expect(page.locator("article h1")).to_contain_text(f"national roll-up for {PERIOD}")
    chart = page.locator("article img").first
    expect(chart).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", chart.element_handle()) > 0  # it loaded
    shot(page, "report")
    # The roll-up applied the decision: the review list it wrote says the pair was decided same.
    import csv

    review = portal.data_dir.parent / "warehouse" / "connector-review.csv"
    with review.open(encoding="utf-8") as f:
        rows = {(r["record_a"], r["record_b"]): r for r in csv.DictReader(f)}
    assert rows[TYPO_PAIR]["decided"] == "same"
    page.goto(f"{portal.url}/review")
    shot(page, "review")


def test_the_quarter_is_published_from_the_roll_ups_page(page, portal, secretariat):  # noqa: F811
    import duckdb
    from playwright.sync_api import expect

    page.goto(f"{portal.url}/rollups")
    page.fill("#note", "First publication of the quarter")
    page.get_by_role("button", name=f"Publish {PERIOD}").click()
    page.wait_for_url(f"{portal.url}/rollups?published={PERIOD}")
    expect(page.locator("main .notice.ok").first).to_contain_text(f"{PERIOD} is published")
    warehouse = portal.data_dir.parent / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as db:
        rows = db.execute("SELECT period, published_by, note FROM publications").fetchall()
        national = db.execute(
            "SELECT connectees FROM published_figures WHERE scope = 'national'"
            " AND figure_period = ?",
            [PERIOD],
        ).fetchone()
        current = db.execute(
            "SELECT connectees FROM national_quarterly WHERE period = ?", [PERIOD]
        ).fetchone()
    # Analysts read the warehouse: who published is masked there (the store keeps it).
    assert rows == [(PERIOD, "[email]", "First publication of the quarter")]
    assert national == current  # the figures exactly as the roll-up gave them
    page.goto(f"{portal.url}/events?action=publish")
    expect(page.locator("tbody tr")).to_have_count(1)
    shot(page, "events")
