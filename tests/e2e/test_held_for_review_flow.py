# ruff: noqa: F811  (fixtures imported from conftest_review are redefined as test arguments)
"""Free text under an auto-publishing type is held for review: the analyst is told in the
preview, the legal reviewer sees why, the flagged sentence and a prefilled request for changes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sharing.models import SharedIndicator, Submission
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD
from tests.governance.fixtures import approve_rules, baseline_rules
from tests.sharing.conftest_review import catalog  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRICE_SENTENCE = "We charge $9 per million tokens on our enterprise plan."


def test_free_text_under_an_auto_publishing_type_waits_for_the_legal_reviewer(
    transactional_db, live_server, browser, catalog, users
):
    rules = baseline_rules()
    # Counsel approved a rule that auto-publishes but keeps the notes (policy pages warn).
    rules["indicator_types"]["automation-client"]["fields"]["analyst_notes"] = "scrub"
    approve_rules(rules, drafter=users["member_admin"], approver=users["counsel2"])

    analyst = browser.new_context().new_page()
    login(analyst, live_server, "acme-analyst", TEST_PASSWORD)
    analyst.get_by_role("link", name="Submit", exact=True).click()
    analyst.select_option("#id_type", "automation-client")
    analyst.get_by_role("button", name="Choose").click()
    form = analyst.get_by_test_id("submission-form")
    form.get_by_label("SDK or client").fill("ghost-harvester")
    form.get_by_label("Header-order signature").fill("b" * 64)
    form.get_by_label("Analyst notes").fill(f"Replays reasoning prompts. {PRICE_SENTENCE}")
    form.get_by_role("button", name="Preview").click()
    expect(analyst.get_by_test_id("preview-held")).to_contain_text("held for review")
    form.get_by_role("button", name="Submit", exact=True).click()
    expect(analyst.get_by_test_id("state")).to_have_text("In review")
    submission = Submission.objects.get(payload__sdk_name="ghost-harvester")
    assert not SharedIndicator.objects.filter(submission=submission).exists()

    legal = browser.new_context().new_page()
    login(legal, live_server, "acme-legal", TEST_PASSWORD)
    legal.goto(f"{live_server.url}/review/")
    row = legal.get_by_test_id("task-row").filter(has_text="Automation client")
    expect(row.get_by_test_id("hold-reason")).to_contain_text(
        "held for review: indicator_types.automation-client auto-publishes, but the scanner "
        "flagged price and its published form keeps free text in analyst_notes"
    )
    row.get_by_role("link", name="Automation client").click()
    legal.get_by_role("button", name="Claim").click()
    sentence = legal.get_by_test_id("flagged-sentence")
    expect(sentence.locator("mark.flag")).to_have_text(PRICE_SENTENCE[:-1])
    expect(sentence).to_contain_text("price")
    reason = legal.get_by_test_id("request-changes-reason")
    expect(reason).to_have_value(
        "Please remove these sentences and resubmit:\n- analyst_notes, sentence 2 (price: "
        + submission.flags[0]["explanation"]
        + ")"
    )
    legal.get_by_role("button", name="Request changes").click()
    expect(legal.get_by_text("Decision recorded.")).to_be_visible()
    submission.refresh_from_db()
    assert submission.state == "changes_requested"
    assert "$9" not in submission.review_tasks.get().reason
