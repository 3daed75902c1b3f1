"""A second factor in a real browser: a new member admin enrols an authenticator app, another
a passkey (Chromium's virtual authenticator, through the DevTools protocol), and each signs in
with it afterwards."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def new_admin(transactional_db, orgs):
    """A member admin with no second factor yet (so they must enrol one)."""
    from audit.actors import SYSTEM
    from governance.roles import Role
    from governance.services.accounts import membership_create
    from tests.factories import UserFactory

    user = UserFactory(username="new-admin")
    membership_create(actor=SYSTEM, user=user, organization=orgs["acme"], role=Role.MEMBER_ADMIN)
    return user


def _code_for(secret: str) -> str:
    from django_otp.oath import TOTP

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def test_a_member_admin_enrols_an_authenticator_app_and_signs_in_with_it(
    new_admin, live_server, page
):
    from tests.factories import TEST_PASSWORD

    login(page, live_server, "new-admin", TEST_PASSWORD)
    expect(page.get_by_test_id("enrol-required")).to_be_visible()
    page.goto(f"{live_server.url}/policy/versions/")  # nothing else opens before enrolment
    expect(page.get_by_test_id("enrol-required")).to_be_visible()
    page.get_by_test_id("totp-start").click()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.fill("#id_code", _code_for(secret))
    page.get_by_test_id("totp-confirm").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("dashboard-role")).to_contain_text("Member admin")

    _log_out(page)
    login(page, live_server, "new-admin", TEST_PASSWORD)  # the helper types the app's code
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("dashboard-role")).to_contain_text("Member admin")


def test_a_member_admin_registers_a_passkey_and_signs_in_with_it(new_admin, live_server, page):
    from identity.models import WebAuthnCredential
    from tests.factories import TEST_PASSWORD

    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    login(page, live_server, "new-admin", TEST_PASSWORD)
    expect(page.get_by_test_id("enrol-required")).to_be_visible()
    page.fill("#passkey-name", "Laptop")
    page.get_by_test_id("passkey-register").click()
    expect(page.get_by_test_id("passkey")).to_contain_text("Laptop")
    assert WebAuthnCredential.objects.filter(user=new_admin, name="Laptop").count() == 1

    _log_out(page)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "new-admin")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("passkey-authenticate")).to_be_visible()
    page.get_by_test_id("passkey-authenticate").click()
    expect(page.get_by_test_id("dashboard-role")).to_contain_text("Member admin")
    credential = WebAuthnCredential.objects.get(user=new_admin)
    assert credential.last_used_at is not None
