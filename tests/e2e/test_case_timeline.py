"""Browser: a regulator filters the audit log by an organization's name, opens the case of a
submission from an event row and reads its reviews and timeline on one page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance.demo import DEMO_PASSWORD
from tests.e2e.conftest import login

pytestmark = pytest.mark.browser


def test_regulator_opens_a_case_from_the_audit_log(demo, live_server, page):
    login(page, live_server, "regulator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/audit/")
    page.get_by_label("Organization").select_option(label="Halcyon Labs")
    page.get_by_label("Action").select_option("submission.created")
    page.get_by_test_id("audit-filters").get_by_role("button", name="Filter").click()
    rows = page.get_by_test_id("audit-event")
    expect(rows.first).to_contain_text("submission.created")
    rows.first.get_by_role("link", name="case").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("from Halcyon Labs")
    expect(page.get_by_test_id("case-task").first).to_be_visible()
    timeline = page.get_by_test_id("case-timeline")
    expect(timeline).to_contain_text("submission.created")
    expect(timeline).to_contain_text("review.")
