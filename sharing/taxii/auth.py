"""TAXII authentication: HTTP Basic (username and password) or `Bearer cr_...` API tokens.

Sessions are not accepted, so the POST endpoints need no CSRF token and a browser cookie never
authorises a machine client.
"""

from __future__ import annotations

import base64
import binascii

from django.contrib.auth import authenticate
from django.http import HttpRequest

from governance.services import api_token_authenticate
from sharing.taxii.envelope import TaxiiError

CHALLENGE = 'Basic realm="clearroom-taxii", Bearer realm="clearroom-taxii"'


def _unauthorized(description: str) -> TaxiiError:
    return TaxiiError(
        401, "Authentication required", description, headers={"WWW-Authenticate": CHALLENGE}
    )


def taxii_user(request: HttpRequest):
    """Return the authenticated user of a TAXII request; raise a 401 TaxiiError otherwise."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    scheme, credentials = scheme.lower(), credentials.strip()
    if scheme == "bearer":
        token = api_token_authenticate(credentials)
        if token is None:
            raise _unauthorized("The API token is invalid or revoked.")
        return token.user
    if scheme == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _unauthorized("Malformed Basic credentials.") from None
        username, sep, password = decoded.partition(":")
        user = authenticate(request, username=username, password=password) if sep else None
        if user is None or not user.is_active:
            raise _unauthorized("Wrong username or password.")
        return user
    raise _unauthorized("Use HTTP Basic or an API token (Authorization: Bearer cr_...).")
