"""Browser: a recipient accepts the handling terms the empty feed points to, pivots on an
attacker's e-mail (published only as a pseudonym), pages the results and exports them as CSV."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance.demo import DEMO_PASSWORD
from sharing.demo_insights import ATTACKER_EMAILS
from tests.e2e.conftest import login

pytestmark = pytest.mark.browser


def test_recipient_pivots_on_an_email_and_exports_the_results(demo, live_server, page):
    login(page, live_server, "meridian-analyst", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/indicators/")
    expect(page.get_by_test_id("feed-empty")).to_contain_text("behind the handling terms")
    page.get_by_test_id("feed-empty").get_by_role("link").click()
    page.get_by_test_id("marking-gate").get_by_role("button", name="Accept terms").click()

    page.get_by_label("Search", exact=True).fill(ATTACKER_EMAILS[0].upper())
    page.get_by_label("Type").select_option(label="Account cluster")
    page.get_by_test_id("search-form").get_by_role("button", name="Search").click()
    rows = page.get_by_test_id("indicator-row")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2  # the same farm reported by several labs
    expect(page.get_by_test_id("indicator-summary").first).to_contain_text("oprf:")
    assert ATTACKER_EMAILS[0] not in page.get_by_test_id("indicator-list").inner_text()

    page.get_by_test_id("indicator-list").get_by_role("link", name="Published").click()
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("Published")

    with page.expect_download() as download:
        page.get_by_test_id("feed-export").get_by_role("link", name="CSV").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        body = exported.read()
    assert body.count("Account cluster") == rows.count()
    assert ATTACKER_EMAILS[0] not in body

    page.get_by_label("Search", exact=True).fill("nobody@nowhere.example")
    page.get_by_test_id("search-form").get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("feed-empty")).to_have_text("No indicator matches this search.")
