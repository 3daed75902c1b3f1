"""Single sign-on rules over plain data: secret references, e-mail domains, ID token claims.

The ID token's signature is checked by joserfc against the provider's published keys before
these rules see its claims (identity/services/sso.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class OidcError(ValueError):
    """A sign-in that must be refused; the message says why, for the person signing in."""


def read_secret(reference: str, environ: dict | None = None) -> str:
    """Return the secret a reference names: `env:VARIABLE` or `file:/absolute/path`."""
    environ = os.environ if environ is None else environ
    kind, _, target = reference.partition(":")
    if kind == "env" and target:
        value = environ.get(target)
        if not value:
            raise OidcError(f"The environment variable {target} holding the secret is not set.")
        return value.strip()
    if kind == "file" and target.startswith("/"):
        try:
            return Path(target).read_text(encoding="utf-8").strip()
        except OSError:
            raise OidcError(f"The secret file {target} cannot be read.") from None
    raise OidcError("A secret reference is env:VARIABLE or file:/absolute/path.")


def secret_reference_valid(reference: str) -> bool:
    """Return whether `reference` has the shape of a secret reference (not a secret)."""
    kind, _, target = reference.partition(":")
    return (kind == "env" and re.fullmatch(r"[A-Z_][A-Z0-9_]*", target) is not None) or (
        kind == "file" and target.startswith("/")
    )


def parse_domains(text: str) -> list[str]:
    """Return the e-mail domains written in `text` (comma, space or line separated)."""
    domains: list[str] = []
    for item in text.replace(",", " ").split():
        domain = item.strip().lower().lstrip("@")
        if not _DOMAIN.match(domain):
            raise OidcError(f"{item!r} is not an e-mail domain.")
        if domain not in domains:
            domains.append(domain)
    if not domains:
        raise OidcError("Name at least one e-mail domain the provider vouches for.")
    return domains


def email_domain(email: str) -> str:
    """Return the domain of an e-mail address, lower case ('' when there is none)."""
    local, at, domain = (email or "").strip().rpartition("@")
    return domain.lower() if at and local else ""


def check_claims(
    claims: dict, *, issuer: str, client_id: str, nonce: str, now: int, domains: list[str]
) -> str:
    """Return the e-mail address an ID token's verified claims vouch for; raise OidcError if
    the token was not issued by `issuer` for `client_id` in answer to `nonce`, has expired, or
    names an address outside `domains`."""
    if claims.get("iss") != issuer:
        raise OidcError("The ID token comes from another issuer.")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
        raise OidcError("The ID token was issued for another client (audience).")
    expires = claims.get("exp")
    if not isinstance(expires, int) or expires <= now:
        raise OidcError("The ID token has expired.")
    if not nonce or claims.get("nonce") != nonce:
        raise OidcError("The ID token does not answer this sign-in (nonce).")
    email = claims.get("email") or ""
    if claims.get("email_verified") is False:
        raise OidcError("The provider has not verified this e-mail address.")
    if email_domain(email) not in domains:
        raise OidcError("The provider vouched for an address outside its domains.")
    return email.strip().lower()
