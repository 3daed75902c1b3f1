"""TAXII machine credentials: an API token as the Basic password, and a password checked with its
slow hash once, then remembered for a few minutes without outliving a change of the account."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth.models import User
from django.test import Client

from governance.services.accounts import api_token_create, api_token_revoke
from sharing.taxii.credentials import verified_credentials
from sharing.taxii.envelope import MEDIA_TYPE
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_credentials():
    verified_credentials.clear()
    yield
    verified_credentials.clear()


def _basic(username: str, password: str) -> dict:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}", "HTTP_ACCEPT": MEDIA_TYPE}


def _status(username: str, password: str) -> int:
    return Client().get("/taxii2/api/collections/", **_basic(username, password)).status_code


@pytest.fixture
def password_checks(monkeypatch):
    """Count the slow password-hash checks."""
    calls = []
    check = User.check_password

    def counted(self, raw_password):
        calls.append(self.username)
        return check(self, raw_password)

    monkeypatch.setattr(User, "check_password", counted)
    return calls


@pytest.fixture
def token_secret(users, orgs) -> str:
    _token, secret = api_token_create(
        actor=users["member_admin"], user=users["analyst"], organization=orgs["acme"], name="feed"
    )
    return secret


def test_an_api_token_is_accepted_as_the_basic_password(token_secret, password_checks):
    assert _status("acme-analyst", token_secret) == 200
    assert _status("", token_secret) == 200  # keys-as-passwords clients send no username
    assert password_checks == []  # a token is one indexed lookup, never a password hash


def test_a_token_presented_under_another_username_is_refused(token_secret):
    assert _status("globex-analyst", token_secret) == 401


def test_a_revoked_token_is_refused_as_the_basic_password(users, token_secret):
    from governance.models import ApiToken

    assert _status("acme-analyst", token_secret) == 200
    api_token_revoke(actor=users["member_admin"], token=ApiToken.objects.get())
    assert _status("acme-analyst", token_secret) == 401


def test_repeated_basic_requests_check_the_password_hash_once(users, password_checks):
    assert [_status("acme-analyst", TEST_PASSWORD) for _ in range(5)] == [200] * 5
    assert password_checks == ["acme-analyst"]


def test_a_wrong_password_is_never_remembered(users, password_checks):
    assert [_status("acme-analyst", "wrong-password") for _ in range(2)] == [401, 401]
    assert _status("acme-analyst", TEST_PASSWORD) == 200
    assert password_checks == ["acme-analyst"] * 3


def test_a_password_change_ends_the_remembered_credential_at_once(users):
    assert _status("acme-analyst", TEST_PASSWORD) == 200
    user = users["analyst"]
    user.set_password("a-brand-new-passphrase-2026")
    user.save(update_fields=["password"])
    assert _status("acme-analyst", TEST_PASSWORD) == 401
    assert _status("acme-analyst", "a-brand-new-passphrase-2026") == 200


def test_deactivating_the_user_ends_the_remembered_credential_at_once(users):
    assert _status("acme-analyst", TEST_PASSWORD) == 200
    User.objects.filter(pk=users["analyst"].pk).update(is_active=False)
    assert _status("acme-analyst", TEST_PASSWORD) == 401


def test_a_remembered_credential_expires(users, settings, password_checks, monkeypatch):
    settings.TAXII_CREDENTIAL_CACHE_SECONDS = 60
    clock = [1000.0]
    monkeypatch.setattr("sharing.taxii.credentials.time.monotonic", lambda: clock[0])
    assert _status("acme-analyst", TEST_PASSWORD) == 200
    clock[0] += 59
    assert _status("acme-analyst", TEST_PASSWORD) == 200
    clock[0] += 2
    assert _status("acme-analyst", TEST_PASSWORD) == 200
    assert password_checks == ["acme-analyst"] * 2


def test_remembering_can_be_turned_off(users, settings, password_checks):
    settings.TAXII_CREDENTIAL_CACHE_SECONDS = 0
    assert [_status("acme-analyst", TEST_PASSWORD) for _ in range(2)] == [200, 200]
    assert password_checks == ["acme-analyst"] * 2


def test_a_remembered_credential_is_refused_while_the_username_is_locked_out(users, settings):
    from django.core.cache import cache

    settings.AXES_FAILURE_LIMIT = 2
    cache.clear()
    assert _status("acme-analyst", TEST_PASSWORD) == 200
    assert [_status("acme-analyst", "wrong") for _ in range(2)] == [401, 429]
    assert _status("acme-analyst", TEST_PASSWORD) == 429
