"""Each role's main journey in a real browser, on a live server with the demo data.

Short on purpose: every page and rule on the way has its own tests; these prove a person in
each role can get through the work the design gives them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from governance.demo import DEMO_PASSWORD
from tests.e2e.conftest import login, nav_to

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.CLEARROOM_EXPORT_DIR = tmp_path / "exports"


@pytest.fixture(autouse=True)
def _fail_fast(page):
    page.set_default_timeout(10_000)  # a missing element fails in seconds, not half a minute


def test_analyst_submits_and_follows_a_submission(demo, live_server, page):
    login(page, live_server, "meridian-analyst", DEMO_PASSWORD)
    page.get_by_role("link", name="Submit", exact=True).click()
    page.select_option("#id_type", "proxy-service")
    page.get_by_role("button", name="Choose").click()
    form = page.get_by_test_id("submission-form")
    form.get_by_label("Service name").fill("NightRelay")
    form.get_by_label("Domain").fill("nightrelay.example")
    form.get_by_label("Service model").select_option("api-relay")
    form.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("preview")).to_be_visible()
    form.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_test_id("state")).to_have_text("In review")
    detail_url = page.url

    page.get_by_role("link", name="My submissions").click()
    page.get_by_test_id("submission-row").first.get_by_role("link").first.click()
    assert page.url == detail_url
    expect(page.get_by_test_id("history")).to_contain_text("In review")


def test_legal_reviewer_claims_and_decides(demo, live_server, page):
    from sharing.models import Submission

    login(page, live_server, "northwind-legal", DEMO_PASSWORD)
    page.get_by_role("link", name="Review queue").click()
    row = page.get_by_test_id("task-row").filter(has_text="Account cluster").first
    row.get_by_role("link").click()
    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_test_id("task-state")).to_contain_text("Claimed")
    # The price the analyst typed is flagged on the original side and gone on the redacted side.
    expect(page.get_by_test_id("redacted-analyst_notes")).not_to_contain_text("$12")
    page.get_by_role("radio", name="Approve", exact=True).check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    submission = Submission.objects.get(client_reference="demo-northwind-farm-1")
    assert submission.review_tasks.get(stage="origin").decision == "approve"


def test_member_admin_drafts_a_change_an_override_and_manages_tokens(demo, live_server, page):
    login(page, live_server, "halcyon-admin", DEMO_PASSWORD)
    nav_to(page, "Policy versions")
    page.get_by_test_id("new-draft").click()
    text = page.input_value("#id_text")
    page.fill("#id_text", text.replace("retention_days: 180", "retention_days: 120", 1))
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("version-status")).to_have_text("Draft")
    page.get_by_test_id("submit-version").click()
    expect(page.get_by_test_id("version-status")).to_have_text("Pending approval")

    page.goto(f"{live_server.url}/policy/overrides/")
    page.fill("#id_text", "account-cluster: {tlp: RED}")
    page.get_by_test_id("save-override").click()
    expect(page.get_by_text("Last changed by halcyon-admin")).to_be_visible()

    page.goto(f"{live_server.url}/org/api-tokens/")
    page.select_option("#id_user", label="halcyon-analyst")
    page.fill("#id_name", "journey-ci")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_test_id("token-secret").inner_text()
    assert secret.startswith("cr_")
    row = page.get_by_role("row").filter(has_text="journey-ci")
    expect(row).to_contain_text("active")
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("row").filter(has_text="journey-ci")).to_contain_text("revoked")
    page.goto(f"{live_server.url}/org/api-tokens/")
    assert secret not in page.content()


def test_counsel_approves_a_policy_and_a_submission_and_places_a_legal_hold(
    demo, live_server, page
):
    from governance.models import PolicyStatus, PolicyVersion
    from governance.selectors.policy import policy_version_in_force
    from governance.services.policy import policy_version_draft_create, policy_version_submit
    from sharing.models import SharedIndicator
    from tests.factories import UserFactory

    drafter = UserFactory._meta.model.objects.get(username="meridian-admin")
    pending = policy_version_submit(
        actor=drafter,
        version=policy_version_draft_create(actor=drafter, rules=policy_version_in_force().rules),
    )
    login(page, live_server, "counsel", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/policy/versions/{pending.pk}/review/")
    page.fill("#id_statement", "No change of substance; re-approved for the record.")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id(f"version-{pending.number}")).to_contain_text("Approved")
    assert PolicyVersion.objects.get(pk=pending.pk).status == PolicyStatus.APPROVED

    page.get_by_role("link", name="Review queue").click()
    row = page.get_by_test_id("task-row").filter(has_text="Proxy or reseller service").first
    row.get_by_role("link").click()
    page.get_by_role("button", name="Claim").click()
    page.get_by_role("radio", name="Approve", exact=True).check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    indicator = SharedIndicator.objects.get(submission__client_reference="demo-halcyon-reseller-1")

    page.goto(f"{live_server.url}/indicators/")
    if page.get_by_role("button", name="Accept terms").count():
        page.get_by_role("button", name="Accept terms").click()
    page.goto(f"{live_server.url}/indicators/{indicator.pk}/")
    page.fill("#id_hold_reason", "Preserve for the authority's inquiry.")
    page.get_by_role("button", name="Place a legal hold").click()
    expect(page.get_by_text("Legal hold: on")).to_be_visible()
    indicator.submission.refresh_from_db()
    assert indicator.submission.legal_hold


def test_regulator_browses_the_log_exports_and_verifies_offline(demo, live_server, page, tmp_path):
    login(page, live_server, "regulator", DEMO_PASSWORD)
    nav_to(page, "Audit log")
    expect(page.get_by_test_id("audit-event").first).to_be_visible()
    assert "$12" not in page.content()  # a redacted-away price never reaches the log

    nav_to(page, "Checkpoints")
    with page.expect_download() as key_download:
        page.get_by_test_id("public-key-download").click()
    key_file = tmp_path / "forum.pub"
    key_download.value.save_as(key_file)

    nav_to(page, "Exports")
    page.get_by_role("button", name="Request export").click()
    newest = page.get_by_test_id("export-row").first
    expect(newest.get_by_test_id("export-status")).to_have_text("Complete", timeout=30_000)
    with page.expect_download() as bundle_download:
        newest.get_by_test_id("export-download").click()
    bundle = tmp_path / "bundle.zip"
    bundle_download.value.save_as(bundle)

    result = subprocess.run(
        [sys.executable, "-m", "audit.core.verify", str(bundle), "--key", str(key_file)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:")
