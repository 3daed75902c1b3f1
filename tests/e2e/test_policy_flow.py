"""A member admin drafts a policy version, fixes an error shown inline, submits it; counsel
reviews the diff against the version in force and approves; the history shows it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance.demo import DEMO_PASSWORD
from governance.models import PolicyVersion
from governance.selectors.policy import policy_version_in_force
from tests.e2e.conftest import login, nav_to

pytestmark = pytest.mark.browser


def test_member_admin_drafts_and_counsel_approves(demo, live_server, page):
    # The demo may have approved more than the baseline (other apps add versions).
    in_force = policy_version_in_force()
    old, new = f"version-{in_force.number}", f"version-{PolicyVersion.objects.count() + 1}"
    login(page, live_server, "halcyon-admin", DEMO_PASSWORD)
    nav_to(page, "Policy versions")
    expect(page.get_by_test_id(old)).to_contain_text("Approved")
    page.get_by_test_id("new-draft").click()

    original = page.input_value("#id_text")
    assert "account-cluster:" in original
    broken = original.replace("signup_ip: generalize:ipv4/24", "signup_ip: generalize:ipv6/48", 1)
    assert broken != original
    page.fill("#id_text", broken)
    page.get_by_test_id("save-draft").click()
    error = page.get_by_test_id("policy-error").first
    expect(error).to_contain_text("indicator_types.account-cluster.fields.signup_ip")
    # Nothing typed is lost: the textarea still holds the broken text to fix.
    assert page.input_value("#id_text") == broken

    fixed = broken.replace("signup_ip: generalize:ipv6/48", "signup_ip: drop", 1)
    page.fill("#id_text", fixed)
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("version-status")).to_have_text("Draft")
    expect(page.get_by_test_id("rule-account-cluster")).to_contain_text("signup_ip")
    page.get_by_test_id("submit-version").click()
    expect(page.get_by_test_id("version-status")).to_have_text("Pending approval")
    page.get_by_role("button", name="Log out").click()

    login(page, live_server, "counsel", DEMO_PASSWORD)
    nav_to(page, "Policy versions")
    page.get_by_test_id(new).get_by_role("link").click()
    page.get_by_test_id("review-version").click()
    diff = page.get_by_test_id("diff-account-cluster")
    expect(diff).to_contain_text("signup_ip")
    expect(diff).to_contain_text("generalize:ipv4/24")
    expect(diff).to_contain_text("drop")
    page.fill("#id_statement", "Dropping sign-up IPs is stricter; consistent with guidance.")
    page.get_by_test_id("approve").click()

    expect(page.get_by_test_id(new)).to_contain_text("Approved")
    expect(page.get_by_test_id(new)).to_contain_text("halcyon-admin")
    expect(page.get_by_test_id(new)).to_contain_text("counsel")
    expect(page.get_by_test_id(old)).to_contain_text("Superseded")
