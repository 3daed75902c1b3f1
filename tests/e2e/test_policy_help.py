"""Browser: the drafter's text is checked live as it is typed (htmx, no inline script, no CSP
violation), the diff against the version in force shows before submitting, and counsel goes
from the diff to the simulation with the draft preselected."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance.demo import DEMO_PASSWORD
from governance.models import PolicyVersion
from tests.e2e.conftest import login

pytestmark = pytest.mark.browser


def test_live_check_diff_and_simulation_link(demo, live_server, page):
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    login(page, live_server, "halcyon-admin", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/policy/versions/new/")
    expect(page.get_by_test_id("live-ok")).to_be_visible()  # checked on load
    original = page.input_value("#id_text")
    drafts = PolicyVersion.objects.count()
    broken = original.replace("tlp: AMBER+STRICT", "tlp: PURPLE", 1)
    page.fill("#id_text", broken)
    expect(page.get_by_test_id("live-problems")).to_contain_text(".tlp: must be one of")
    assert PolicyVersion.objects.count() == drafts  # checking saved nothing

    fixed = original.replace("signup_ip: generalize:ipv4/24", "signup_ip: drop", 1)
    page.fill("#id_text", fixed)
    expect(page.get_by_test_id("live-diff")).to_contain_text("generalize:ipv4/24")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("drafter-diff")).to_contain_text("signup_ip")
    page.get_by_test_id("submit-version").click()
    expect(page.get_by_test_id("version-status")).to_have_text("Pending approval")
    pending = PolicyVersion.objects.order_by("-number").first()
    page.get_by_role("button", name="Log out").click()

    login(page, live_server, "counsel", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/policy/versions/{pending.pk}/review/")
    page.get_by_test_id("simulate-version").click()
    expect(page.locator("#id_version")).to_have_value(str(pending.pk))
    assert not violations, violations
