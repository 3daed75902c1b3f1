"""Each of the five demo roles logs in and sees its own dashboard; a wrong password is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance.demo import DEMO_PASSWORD
from tests.e2e.conftest import login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("username", "role_text", "org_text"),
    [
        ("northwind-analyst", "Analyst", "Northwind AI"),
        ("halcyon-admin", "Member admin", "Halcyon Labs"),
        ("meridian-legal", "Legal reviewer", "Meridian Systems"),
        ("counsel", "Counsel", "Secretariat"),
        ("regulator", "Regulator", "Competition Authority"),
    ],
)
def test_demo_role_logs_in_and_sees_own_dashboard(
    demo, live_server, page, username, role_text, org_text
):
    login(page, live_server, username, DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")
    role_line = page.get_by_test_id("dashboard-role")
    expect(role_line).to_contain_text(role_text)
    expect(role_line).to_contain_text(org_text)
    expect(page.get_by_test_id("whoami")).to_be_visible()


def test_wrong_password_is_refused_with_a_clear_message(demo, live_server, page):
    login(page, live_server, "counsel", "not-the-password")
    expect(page.get_by_test_id("login-error")).to_contain_text("did not match")
    expect(page).to_have_url(f"{live_server.url}/login/")
