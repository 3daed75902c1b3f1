"""Single sign-on against a real OpenID Connect provider process (django-oauth-toolkit, on
loopback): sign-in by e-mail, the provider's login and consent, back with the right membership;
a replayed state, a forged, expired or foreign ID token, an unknown address are refused."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import RSAKey

from audit import actions
from audit.models import AuditEvent
from identity.core.oidc import OidcError
from identity.models import OidcProvider
from identity.services.sso import verify_id_token
from tests.identity import oidc_provider

pytestmark = pytest.mark.django_db

HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', re.I)


def _hidden(html: str) -> dict:
    import html as html_lib

    return {name: html_lib.unescape(value) for name, value in HIDDEN.findall(html)}


def _through_the_provider(authorize_url: str) -> str:
    """Sign in at the provider and consent, as the person would; return the redirect back."""
    browser = requests.Session()
    page = browser.get(authorize_url, timeout=10)
    assert "/accounts/login/" in page.url
    login = browser.post(
        page.url,
        data={
            **_hidden(page.text),
            "username": "ana",
            "password": "provider-password",
        },
        timeout=10,
    )
    assert 'name="allow"' in login.text  # the consent page
    answer = browser.post(
        login.url, data={**_hidden(login.text), "allow": "Authorize"}, allow_redirects=False
    )
    assert answer.status_code == 302
    return answer.headers["Location"]


def _start(client: Client, email: str = "ana@acme.example") -> str:
    response = client.post(reverse("identity:sso-start"), {"email": email})
    assert response.status_code == 302, response.content
    return response["Location"]


@pytest.fixture
def ana(users, orgs):
    """Acme's analyst, whose provider account is ana@acme.example."""
    user = users["analyst"]
    user.email = "ana@acme.example"
    user.save(update_fields=["email"])
    return user


def test_sign_in_by_email_goes_through_the_provider_and_back_to_the_membership(acme_sso, ana):
    client = Client()
    authorize = _start(client)
    assert authorize.startswith(acme_sso.issuer)
    query = urlsplit(authorize).query
    assert "code_challenge_method=S256" in query and "nonce=" in query and "state=" in query
    back = _through_the_provider(authorize)
    callback = client.get(back.replace("http://testserver", ""))
    assert callback.status_code == 302
    assert int(client.session["_auth_user_id"]) == ana.pk
    assert AuditEvent.objects.filter(action=actions.SSO_SIGNED_IN, actor_user_id=ana.pk).exists()
    # The second factor still applies after single sign-on: Ana has an app enrolled.
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("identity:verify"))


def test_a_replayed_state_is_refused(acme_sso, ana):
    client = Client()
    back = _through_the_provider(_start(client)).replace("http://testserver", "")
    assert client.get(back).status_code == 302
    client.logout()
    replay = client.get(back)
    assert replay.status_code == 400
    assert "used already" in replay.content.decode()
    other = Client()  # another browser holding the stolen answer
    assert other.get(back).status_code == 400
    assert "_auth_user_id" not in other.session


def test_an_address_without_an_invitation_gets_no_account(acme_sso, users):
    client = Client()
    back = _through_the_provider(_start(client)).replace("http://testserver", "")
    refused = client.get(back)
    assert refused.status_code == 400
    assert "invitation" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_address_no_organization_vouches_for_is_not_sent_anywhere(acme_sso):
    response = Client().post(reverse("identity:sso-start"), {"email": "x@elsewhere.example"})
    assert response.status_code == 200
    assert "No organization" in response.content.decode()


def _jwks(issuer: str) -> dict:
    metadata = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    return requests.get(metadata["jwks_uri"], timeout=10).json()


def _token(key_pem: bytes, kid: str, **claims) -> str:
    now = int(time.time())
    body = {
        "iss": claims.pop("iss"),
        "aud": oidc_provider.CLIENT_ID,
        "sub": "1",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
        "email": "ana@acme.example",
        **claims,
    }
    return jwt.encode({"alg": "RS256", "kid": kid}, body, RSAKey.import_key(key_pem))


def _check(token: str, issuer: str, jwks: dict) -> str:
    return verify_id_token(
        token,
        jwks=jwks,
        issuer=issuer,
        client_id=oidc_provider.CLIENT_ID,
        nonce="n-1",
        domains=["acme.example"],
    )


def test_id_tokens_are_checked_against_the_providers_keys_and_claims(provider_process):
    issuer = provider_process.issuer
    jwks = _jwks(issuer)
    kid = jwks["keys"][0]["kid"]
    genuine = provider_process.private_key_pem
    assert _check(_token(genuine, kid, iss=issuer), issuer, jwks) == "ana@acme.example"

    from cryptography.hazmat.primitives import serialization

    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    refusals = {
        "signature": _token(other_key, kid, iss=issuer),
        "expired": _token(genuine, kid, iss=issuer, exp=int(time.time()) - 1),
        "audience": _token(genuine, kid, iss=issuer, aud="another-client"),
        "nonce": _token(genuine, kid, iss=issuer, nonce="n-2"),
        "issuer": _token(genuine, kid, iss="http://127.0.0.1:1/o"),
        "domain": _token(genuine, kid, iss=issuer, email="ana@rival.example"),
    }
    for reason, token in refusals.items():
        with pytest.raises(OidcError):
            _check(token, issuer, jwks)
        assert reason


def test_mandatory_single_sign_on_refuses_the_password_form(acme_sso, users):
    OidcProvider.objects.filter(pk=acme_sso.pk).update(mandatory=True)
    from tests.factories import TEST_PASSWORD

    response = Client().post(
        reverse("login"), {"username": users["analyst"].username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "identity provider" in response.content.decode()
    other = Client().post(
        reverse("login"), {"username": users["other_analyst"].username, "password": TEST_PASSWORD}
    )
    assert other.status_code == 302


def test_the_provider_page_keeps_a_reference_never_the_secret(users, orgs):
    client = Client()
    client.force_login(users["member_admin"])
    form = {
        "issuer": "https://idp.acme.example",
        "client_id": "clearroom",
        "email_domains": "acme.example",
    }
    raw = client.post(reverse("identity:org-sso"), {**form, "client_secret_ref": "s3cr3t-value"})
    assert raw.status_code == 200 and raw.context["form"].errors["client_secret_ref"]
    assert not OidcProvider.objects.exists()
    saved = client.post(
        reverse("identity:org-sso"), {**form, "client_secret_ref": "file:/run/secrets/acme-oidc"}
    )
    assert saved.status_code == 302
    provider = OidcProvider.objects.get(organization=orgs["acme"])
    assert provider.client_secret_ref == "file:/run/secrets/acme-oidc"
    event = AuditEvent.objects.filter(action=actions.SSO_CONFIGURED).latest("seq")
    assert "client_secret_ref" not in event.data
    analyst = Client()
    analyst.force_login(users["analyst"])
    assert analyst.get(reverse("identity:org-sso")).status_code == 403
