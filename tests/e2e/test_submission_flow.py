"""An analyst fills the type's form, sees the price sentence scrubbed in the preview, submits,
and finds the submission in the organization's list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance.demo import DEMO_PASSWORD
from tests.e2e.conftest import login

pytestmark = pytest.mark.browser

PRICE_SENTENCE = "We charge $9 per million tokens on our enterprise plan."


def test_analyst_previews_scrubbed_price_sentence_submits_and_finds_it(demo, live_server, page):
    from sharing.models import Submission

    login(page, live_server, "northwind-analyst", DEMO_PASSWORD)
    page.get_by_role("link", name="Submit", exact=True).click()
    page.select_option("#id_type", "proxy-service")
    page.get_by_role("button", name="Choose").click()

    form = page.get_by_test_id("submission-form")
    form.get_by_label("Service name").fill("GhostRelay")
    form.get_by_label("Domain").fill("ghostrelay.example")
    form.get_by_label("Service model").select_option("api-relay")
    form.get_by_label("Analyst notes").fill(f"Relays distillation traffic. {PRICE_SENTENCE}")
    form.get_by_role("button", name="Preview").click()

    preview = page.get_by_test_id("preview")
    expect(preview).to_be_visible()
    redacted = page.get_by_test_id("preview-redacted")
    expect(redacted).to_contain_text("[removed under policy]")
    expect(redacted).not_to_contain_text("$9")
    expect(page.get_by_test_id("redacted-analyst_notes")).not_to_contain_text("$9")
    expect(page.get_by_test_id("original-analyst_notes").locator("mark.flag")).to_contain_text("$9")
    expect(page.get_by_test_id("flags")).to_contain_text("price")
    expect(page.get_by_test_id("recipients")).to_contain_text("anonymous member")
    # Nothing was stored by previewing; the typed values are still in the form.
    assert not Submission.objects.filter(payload__service_name="GhostRelay").exists()
    expect(form.get_by_label("Service name")).to_have_value("GhostRelay")

    form.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_test_id("state")).to_have_text("In review")
    expect(page.get_by_test_id("redacted-analyst_notes")).to_contain_text("[removed under policy]")

    page.get_by_role("link", name="My submissions").click()
    listing = page.get_by_test_id("submission-list")
    submission = Submission.objects.get(payload__service_name="GhostRelay")
    expect(listing.locator(f'a[href="/submissions/{submission.pk}/"]')).to_be_visible()
    expect(listing).to_contain_text("Proxy or reseller service")
    assert "$9" not in str(submission.redacted_payload)
