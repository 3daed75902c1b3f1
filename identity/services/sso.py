"""Single sign-on through an organization's OpenID Connect provider: configure it, start a
sign-in (authorization code flow with PKCE, state and nonce), finish it (code exchange, ID
token signature, issuer, audience, expiry and nonce checked) and find the member it names.

Clearroom creates no account here: the provider's e-mail address must belong to a user who
already holds a membership of the provider's organization (an invitation by their admin).
"""

from __future__ import annotations

import hmac
import secrets
import time
from urllib.parse import urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from django.contrib.auth import get_user_model
from django.db import transaction
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from audit import actions
from audit.actors import SYSTEM
from audit.services.log import audit_record
from config.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from governance.models import Organization
from governance.permissions import can
from governance.roles import Capability
from identity.core.oidc import (
    OidcError,
    check_claims,
    email_domain,
    parse_domains,
    read_secret,
    secret_reference_valid,
)
from identity.models import OidcProvider

HTTP_TIMEOUT = 10
SIGNING_ALGORITHMS = ["RS256", "PS256", "ES256"]
# A sign-in left unfinished this long is refused (the state and nonce expire with it).
PENDING_SECONDS = 600


def _may_configure(actor, organization: Organization) -> bool:
    if organization.is_member:
        return can(actor, Capability.MANAGE_ORG, organization)
    # The secretariat's and regulators' providers are registered by counsel.
    return can(actor, Capability.APPROVE_POLICY)


def _issuer_valid(issuer: str) -> bool:
    parts = urlsplit(issuer)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    return bool(parts.netloc) and (parts.scheme == "https" or (parts.scheme == "http" and loopback))


@transaction.atomic
def oidc_provider_set(
    *,
    actor,
    organization: Organization,
    issuer: str,
    client_id: str,
    client_secret_ref: str,
    email_domains: str,
    mandatory: bool,
) -> OidcProvider:
    """Register (or change) `organization`'s OpenID Connect provider."""
    if not _may_configure(actor, organization):
        raise AccessDenied(
            "Only your organization's member admin sets this (counsel, for the forum and "
            "regulators)."
        )
    errors = []
    issuer = (issuer or "").strip().rstrip("/")
    if not _issuer_valid(issuer):
        errors.append({"field": "issuer", "message": "an https URL (http only on loopback)"})
    client_id = (client_id or "").strip()
    if not client_id:
        errors.append({"field": "client_id", "message": "required"})
    client_secret_ref = (client_secret_ref or "").strip()
    if not secret_reference_valid(client_secret_ref):
        errors.append(
            {
                "field": "client_secret_ref",
                "message": "env:VARIABLE or file:/absolute/path, never the secret itself",
            }
        )
    domains: list[str] = []
    try:
        domains = parse_domains(email_domains or "")
    except OidcError as exc:
        errors.append({"field": "email_domains", "message": str(exc)})
    if errors:
        raise ValidationFailed("The provider settings are not valid.", errors=errors)
    for other in OidcProvider.objects.exclude(organization=organization):
        taken = set(other.email_domains) & set(domains)
        if taken:
            raise Conflict(
                f"{', '.join(sorted(taken))} is already vouched for by another organization."
            )
    provider, _ = OidcProvider.objects.update_or_create(
        organization=organization,
        defaults={
            "issuer": issuer,
            "client_id": client_id,
            "client_secret_ref": client_secret_ref,
            "email_domains": domains,
            "mandatory": mandatory,
        },
    )
    audit_record(
        actor=actor,
        action=actions.SSO_CONFIGURED,
        obj=provider,
        organization=organization,
        data={
            "issuer": issuer,
            "client_id": client_id,
            "email_domains": domains,
            "mandatory": mandatory,
        },
    )
    return provider


def _discover(issuer: str) -> dict:
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError):
        raise OidcError("Your organization's identity provider cannot be reached.") from None
    if metadata.get("issuer", "").rstrip("/") != issuer:
        raise OidcError("The identity provider's metadata names another issuer.")
    return metadata


def sso_begin(*, email: str, redirect_uri: str) -> tuple[str, dict]:
    """Return the provider URL to send the person to, and what the session keeps until they
    come back (provider, state, nonce, PKCE verifier, start time)."""
    domain = email_domain(email)
    provider = next(
        (p for p in OidcProvider.objects.all() if domain and domain in p.email_domains), None
    )
    if provider is None:
        raise NotFound("No organization signs in with single sign-on for this e-mail address.")
    metadata = _discover(provider.issuer)
    pending = {
        "provider": provider.pk,
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
        "verifier": secrets.token_urlsafe(64),
        "started": int(time.time()),
    }
    client = OAuth2Session(
        provider.client_id,
        scope="openid email",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    url, _ = client.create_authorization_url(
        metadata["authorization_endpoint"],
        state=pending["state"],
        nonce=pending["nonce"],
        code_verifier=pending["verifier"],
        login_hint=email,
    )
    return url, pending


def verify_id_token(
    id_token: str, *, jwks: dict, issuer: str, client_id: str, nonce: str, domains: list[str]
) -> str:
    """Return the e-mail address a provider's ID token vouches for, after checking its
    signature against `jwks` and its claims; raise OidcError otherwise."""
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=SIGNING_ALGORITHMS)
    except (JoseError, ValueError, TypeError):
        raise OidcError("The ID token's signature does not verify.") from None
    return check_claims(
        token.claims,
        issuer=issuer,
        client_id=client_id,
        nonce=nonce,
        now=int(time.time()),
        domains=domains,
    )


def _refused(reason: str, provider: OidcProvider | None) -> OidcError:
    with transaction.atomic():
        audit_record(
            actor=SYSTEM,
            action=actions.SSO_REFUSED,
            obj=provider,
            organization=provider.organization if provider else None,
            data={"reason": reason},
        )
    return OidcError(reason)


def sso_complete(*, pending: dict | None, state: str, code: str, redirect_uri: str):
    """Finish a sign-in the provider sent back; return the member it names."""
    if (
        not pending
        or not state
        or not hmac.compare_digest(str(pending.get("state", "")), state)
        or int(time.time()) - int(pending.get("started", 0)) > PENDING_SECONDS
    ):
        # A state used once is gone from the session: a replayed answer lands here.
        raise _refused("This sign-in answer is unknown, used already or too old.", None)
    provider = (
        OidcProvider.objects.select_related("organization")
        .filter(pk=pending.get("provider"))
        .first()
    )
    if provider is None or not code:
        raise _refused("The sign-in could not be completed.", provider)
    try:
        metadata = _discover(provider.issuer)
        client = OAuth2Session(
            provider.client_id,
            read_secret(provider.client_secret_ref),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
        )
        token = client.fetch_token(
            metadata["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=pending["verifier"],
            timeout=HTTP_TIMEOUT,
        )
        jwks = requests.get(metadata["jwks_uri"], timeout=HTTP_TIMEOUT).json()
    except OidcError as exc:
        raise _refused(str(exc), provider) from None
    except Exception:  # noqa: BLE001 - any failure of the exchange is a refused sign-in
        raise _refused("The identity provider refused the code exchange.", provider) from None
    try:
        email = verify_id_token(
            token.get("id_token", ""),
            jwks=jwks,
            issuer=provider.issuer,
            client_id=provider.client_id,
            nonce=pending["nonce"],
            domains=provider.email_domains,
        )
    except OidcError as exc:
        raise _refused(str(exc), provider) from None
    user = (
        get_user_model()
        .objects.filter(
            email__iexact=email,
            is_active=True,
            memberships__organization=provider.organization,
        )
        .first()
    )
    if user is None:
        raise _refused(
            "No account of your organization has this address: ask your member admin for an "
            "invitation.",
            provider,
        )
    with transaction.atomic():
        audit_record(
            actor=user,
            action=actions.SSO_SIGNED_IN,
            obj=provider,
            organization=provider.organization,
            data={"issuer": provider.issuer},
        )
    return user
