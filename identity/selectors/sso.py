"""Reads on single sign-on: an organization's provider, and whether a user must use one."""

from __future__ import annotations

from urllib.parse import urlsplit

from identity.models import OidcProvider


def sso_mandatory_for(user) -> bool:
    """Return whether `user` belongs to an organization whose members must use its provider."""
    return OidcProvider.objects.filter(
        mandatory=True, organization__memberships__user=user
    ).exists()


def oidc_provider_of(organization) -> OidcProvider | None:
    """Return `organization`'s provider, or None (for the pages of whoever configures it)."""
    return OidcProvider.objects.filter(organization=organization).first()


def provider_origins() -> list[str]:
    """Return the origins (scheme://host[:port]) of every registered provider."""
    origins = set()
    for issuer in OidcProvider.objects.values_list("issuer", flat=True):
        parts = urlsplit(issuer)
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)
