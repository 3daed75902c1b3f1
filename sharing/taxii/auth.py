"""TAXII authentication: `Bearer cr_...` API tokens, or HTTP Basic with an API token or the
user's password as the password.

Sessions are not accepted, so the POST endpoints need no CSRF token and a browser cookie never
authorises a machine client. The cost of each is in docs/taxii.md: a token is one indexed
lookup; a password is checked with its slow hash once, then remembered for a few minutes by
`credentials.verified_credentials` (in this process only, under a key drawn at start-up).
"""

from __future__ import annotations

import base64
import binascii

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.http import HttpRequest

from governance.core.token_rules import READ, SUBMIT
from governance.services.accounts import TOKEN_PREFIX, api_token_check, api_token_find
from sharing.taxii.credentials import verified_credentials
from sharing.taxii.envelope import TaxiiError

CHALLENGE = 'Basic realm="clearroom-taxii", Bearer realm="clearroom-taxii"'


def _unauthorized(description: str) -> TaxiiError:
    return TaxiiError(
        401, "Authentication required", description, headers={"WWW-Authenticate": CHALLENGE}
    )


def _token_user(request: HttpRequest, secret: str):
    """Return the user of API token `secret` if it may serve this request; raise a TaxiiError
    naming the reason otherwise, or return None when `secret` is no token at all."""
    token = api_token_find(secret)
    if token is None:
        return None
    # Adding objects is a submission; everything else in TAXII reads.
    needed = SUBMIT if request.method == "POST" else READ
    refused = api_token_check(token, needed=needed, address=request.META.get("REMOTE_ADDR"))
    if refused is None:
        return token.user
    code, reason = refused
    if code == "token_expired":
        raise _unauthorized(reason)
    raise TaxiiError(403, "Forbidden", reason)


def taxii_user(request: HttpRequest):
    """Return the authenticated user of a TAXII request; raise a 401 TaxiiError otherwise
    (403 for a valid token used out of its scope or networks)."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    scheme, credentials = scheme.lower(), credentials.strip()
    if scheme == "bearer":
        user = _token_user(request, credentials)
        if user is None:
            raise _unauthorized("The API token is invalid or revoked.")
        return user
    if scheme == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _unauthorized("Malformed Basic credentials.") from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise _unauthorized("Malformed Basic credentials.")
        user = _basic_user(request, username, password)
        if user is None:
            raise _unauthorized("Wrong username or password.")
        return user
    raise _unauthorized("Use HTTP Basic or an API token (Authorization: Bearer cr_...).")


def _basic_user(request: HttpRequest, username: str, password: str):
    """Return the user of Basic credentials: an API token as the password (the username, when
    given, must be its owner's), or the user's password."""
    if password.startswith(TOKEN_PREFIX):
        user = _token_user(request, password)
        if user is not None:
            return user if username in ("", user.get_username()) else None
    user = verified_credentials.recall(username, password)
    if user is not None and AxesProxyHandler.is_allowed(request, {"username": username}):
        return user
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        return None
    verified_credentials.remember(username, password, user)
    return user
