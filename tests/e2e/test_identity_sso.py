"""Single sign-on in a real browser, against a real OpenID Connect provider process: sign in
by e-mail, the provider's login and consent pages, back into Clearroom with the membership."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.identity import oidc_provider

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def provider_process(tmp_path_factory, live_server):
    provider = oidc_provider.start(
        tmp_path_factory.mktemp("provider"), [f"{live_server.url}/login/sso/callback/"]
    )
    yield provider
    oidc_provider.stop(provider)


@pytest.fixture
def ana(transactional_db, orgs):
    """An Acme analyst invited with the address the provider vouches for (no app enrolled)."""
    from audit.actors import SYSTEM
    from governance.roles import Role
    from governance.services.accounts import membership_create
    from tests.factories import UserFactory

    user = UserFactory(username="ana", email="ana@acme.example")
    membership_create(actor=SYSTEM, user=user, organization=orgs["acme"], role=Role.ANALYST)
    return user


def test_an_analyst_signs_in_through_the_labs_identity_provider(
    transactional_db, ana, acme_sso, live_server, page
):
    page.goto(f"{live_server.url}/login/")
    page.get_by_test_id("sso-link").click()
    page.fill("#id_email", "ana@acme.example")
    page.get_by_test_id("sso-continue").click()
    expect(page.get_by_role("heading", name="Lab identity provider")).to_be_visible()
    assert page.url.startswith(acme_sso.issuer.rsplit("/o", 1)[0])
    page.fill("#id_username", "ana")
    page.fill("#id_password", "provider-password")
    page.get_by_role("button", name="Sign in to the provider").click()
    page.locator("input[name=allow]").click()  # the provider's consent page
    expect(page).to_have_url(f"{live_server.url}/")
    role_line = page.get_by_test_id("dashboard-role")
    expect(role_line).to_contain_text("Analyst")
    expect(role_line).to_contain_text("Acme AI")
