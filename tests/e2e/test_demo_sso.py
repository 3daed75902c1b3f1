"""The demo's single sign-on, as `make run` starts it: Meridian Systems' local identity provider
(scripts/demo_sso.py, a real provider process), registered by `manage.py demo_sso`, and a
Meridian analyst signing in through it in the browser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import accept_charter_page, authenticator_code
from tests.identity import oidc_provider
from tests.reliability.processes import free_port

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_provider(demo, live_server, tmp_path, settings):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "scripts/demo_sso.py", str(tmp_path), str(port), live_server.url],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(tmp_path / "provider.log").open("wb"),
    )  # fmt: skip
    issuer = f"http://127.0.0.1:{port}/o"
    try:
        oidc_provider.wait_for_issuer(issuer, process, tmp_path / "provider.log", timeout=60)
        settings.CLEARROOM_DEMO = True
        call_command("demo_sso", issuer, str(tmp_path / "demo-sso" / "client-secret"))
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_meridian_analyst_signs_in_through_the_demo_identity_provider(
    demo_provider, live_server, page
):
    from governance.demo import DEMO_PASSWORD

    page.goto(f"{live_server.url}/login/")
    page.get_by_test_id("sso-link").click()
    page.fill("#id_email", "meridian-analyst@meridian.demo.invalid")
    page.get_by_test_id("sso-continue").click()
    assert page.url.startswith(demo_provider.rsplit("/o", 1)[0])
    page.fill("#id_username", "meridian-analyst")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in to the provider").click()
    page.locator("input[name=allow]").click()  # the provider's consent page
    # Back in Clearroom: its own second factor, then the forum's charter, then the dashboard.
    page.fill("#id_code", authenticator_code("meridian-analyst"))
    page.get_by_test_id("verify-code").click()
    page.wait_for_load_state()
    accept_charter_page(page)
    expect(page).to_have_url(f"{live_server.url}/")
    role_line = page.get_by_test_id("dashboard-role")
    expect(role_line).to_contain_text("Analyst")
    expect(role_line).to_contain_text("Meridian Systems")
