"""Browser: a member sees "seen by N members", counsel the full picture, statistics both ways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "clearroom-demo-2026"


@pytest.fixture
def insights_demo(demo):
    from django.contrib.auth import get_user_model

    from sharing import demo_insights
    from sharing.services.publication import marking_acknowledge

    demo_insights.seed()
    analyst = get_user_model().objects.get(username="northwind-analyst")
    for marking in ("TLP:AMBER+STRICT", "PAP:GREEN", "TLP:AMBER"):
        marking_acknowledge(actor=analyst, marking=marking)
    counsel = get_user_model().objects.get(username="counsel")
    for marking in ("TLP:AMBER+STRICT", "PAP:GREEN", "TLP:AMBER"):
        marking_acknowledge(actor=counsel, marking=marking)


def test_member_badge_counsel_linkage_and_statistics(page, live_server, insights_demo):
    login(page, live_server, "northwind-analyst", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/insights/campaigns/")
    expect(page.get_by_test_id("seen-by").first).to_have_text("seen by 3 members")
    content = page.content()
    assert "Halcyon" not in content and "Meridian" not in content
    assert page.get_by_test_id("campaign-orgs").count() == 0

    page.goto(f"{live_server.url}/insights/statistics/")
    expect(
        page.get_by_test_id("statistic-weekly-anomaly-kinds").get_by_test_id("chart")
    ).to_be_visible()
    withheld = page.get_by_test_id("statistic-weekly-campaign-volume")
    expect(withheld.get_by_test_id("status")).to_contain_text("withheld")
    expect(withheld.get_by_test_id("reasons")).to_have_count(0)

    page.get_by_role("button", name=re.compile("Log out")).click()
    login(page, live_server, "counsel", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/insights/campaigns/")
    orgs = page.get_by_test_id("campaign-orgs").first
    for name in ("Northwind", "Halcyon", "Meridian"):
        expect(orgs).to_contain_text(name)
    page.goto(f"{live_server.url}/insights/statistics/")
    reasons = page.get_by_test_id("statistic-weekly-campaign-volume").get_by_test_id("reasons")
    expect(reasons).to_contain_text("at least 5 are required")
