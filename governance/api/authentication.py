"""API token authentication: `Authorization: Bearer cr_...` (or `Token cr_...`).

A token is refused with a JSON error naming the reason: 401 `token_invalid` (unknown or
revoked) or `token_expired`; 403 `token_source_refused` (outside its networks),
`token_out_of_scope` or `token_not_accepted` (the route takes no token: governance.api.scopes).
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from governance.api.scopes import scope_needed
from governance.services.accounts import api_token_check, api_token_find


def request_route(request) -> str | None:
    """Return the name (with namespace) of the route `request` was resolved to."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else None


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        token = api_token_find(header[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed(
                "Invalid or revoked API token.", code="token_invalid"
            )
        refused = api_token_check(
            token,
            needed=scope_needed(request_route(request), request.method),
            address=request.META.get("REMOTE_ADDR"),
        )
        if refused is not None:
            code, reason = refused
            if code == "token_expired":
                raise exceptions.AuthenticationFailed(reason, code=code)
            raise exceptions.PermissionDenied(reason, code=code)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="clearroom"'


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describe API token authentication in the OpenAPI schema."""

    target_class = "governance.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token issued by your member admin: `Bearer cr_...`. Each token carries "
                "scopes (`read`, `submit`, `audit:read`), an expiry and optionally the networks "
                "it may be used from; a refusal names the reason in `code`."
            ),
        }
