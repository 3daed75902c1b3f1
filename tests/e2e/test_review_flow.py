"""A submission goes through origin and forum review in a real browser and reaches exactly its
audience: the second member reads the redacted form, the third member sees nothing."""

from __future__ import annotations

import pytest

from sharing.models import SharedIndicator
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _as(browser, live_server, username):
    page = browser.new_context().new_page()
    login(page, live_server, username, TEST_PASSWORD)
    return page


def _claim_and_approve(page, live_server, extra=None):
    page.goto(f"{live_server.url}/review/")
    page.get_by_role("link", name="Account cluster").first.click()
    page.get_by_role("button", name="Claim").click()
    page.wait_for_selector("text=Record decision")
    for field, action in (extra or {}).items():
        page.select_option(f"#extra-{field}", action)
    page.get_by_role("radio", name="Approve", exact=True).check()
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_selector("text=Decision recorded.")


def test_review_flow_reaches_only_the_audience(
    transactional_db, live_server, browser, two_org_policy, make_submission, users
):
    submission = make_submission()  # the acme analyst submits through intake

    legal = _as(browser, live_server, "acme-legal")
    legal.goto(f"{live_server.url}/review/")
    assert legal.locator('[data-testid="task-row"]').count() == 1
    _claim_and_approve(legal, live_server, extra={"signup_ip": "drop"})

    counsel = _as(browser, live_server, "counsel")
    _claim_and_approve(counsel, live_server)

    indicator = SharedIndicator.objects.get(submission=submission)
    assert "signup_ip" not in indicator.redacted_payload

    reader = _as(browser, live_server, "globex-analyst")
    reader.goto(f"{live_server.url}/indicators/")
    reader.get_by_role("button", name="Accept terms").click()
    reader.wait_for_selector('[data-testid="indicator-row"]')
    reader.get_by_role("link", name="Account cluster").click()
    assert reader.locator('[data-testid="contributor"]').inner_text() == "anonymous member"
    assert reader.locator('[data-testid="field-signup_ip"]').count() == 0
    assert "203.0.113.77" not in reader.content()
    assert "oprf:" in reader.locator('[data-testid="field-emails"]').inner_text()

    outsider = _as(browser, live_server, "initech-analyst")
    outsider.goto(f"{live_server.url}/indicators/")
    assert outsider.locator('[data-testid="indicator-row"]').count() == 0
    response = outsider.goto(f"{live_server.url}/indicators/{indicator.pk}/")
    assert response.status == 404
