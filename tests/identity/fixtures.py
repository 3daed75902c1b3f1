"""The real OpenID Connect provider process, for the single sign-on tests (a plugin every test
directory gets through tests/conftest.py; the browser test overrides `provider_process` to
register the live server's redirect URI). The process starts only for tests that ask for it."""

from __future__ import annotations

import pytest

from tests.identity import oidc_provider

SECRET_ENV = "CLEARROOM_TEST_OIDC_SECRET"


@pytest.fixture(scope="module")
def provider_process(tmp_path_factory):
    provider = oidc_provider.start(
        tmp_path_factory.mktemp("provider"), ["http://testserver/login/sso/callback/"]
    )
    yield provider
    oidc_provider.stop(provider)


@pytest.fixture
def acme_sso(provider_process, users, orgs, monkeypatch):
    """Acme's provider registered by its member admin, the secret in the environment."""
    from identity.services.sso import oidc_provider_set

    monkeypatch.setenv(SECRET_ENV, oidc_provider.CLIENT_SECRET)
    return oidc_provider_set(
        actor=users["member_admin"],
        organization=orgs["acme"],
        issuer=provider_process.issuer,
        client_id=oidc_provider.CLIENT_ID,
        client_secret_ref=f"env:{SECRET_ENV}",
        email_domains="acme.example",
        mandatory=False,
    )
