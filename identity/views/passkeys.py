"""Passkeys (WebAuthn): JSON endpoints that static/js/passkeys.js calls from the pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from config.errors import ValidationFailed
from identity import sessions
from identity.services.second_factor import (
    webauthn_authenticate,
    webauthn_authentication_options,
    webauthn_register,
    webauthn_registration_options,
)

REGISTER_CHALLENGE = "identity.webauthn.register"
AUTH_CHALLENGE = "identity.webauthn.authenticate"


def _rp_id(request) -> str:
    return settings.IDENTITY_WEBAUTHN_RP_ID or urlsplit(f"//{request.get_host()}").hostname


def _origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _refused(detail: str, code: str = "invalid", status: int = 400) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


@login_required
@require_POST
def register_options(request):
    options, challenge = webauthn_registration_options(
        actor=request.user, rp_id=_rp_id(request), rp_name=settings.IDENTITY_TOTP_ISSUER
    )
    request.session[REGISTER_CHALLENGE] = challenge
    return _raw(options)


@login_required
@require_POST
def register(request):
    challenge = request.session.pop(REGISTER_CHALLENGE, None)
    if challenge is None:
        return _refused("Ask for registration options first.", "no_challenge")
    try:
        webauthn_register(
            actor=request.user,
            name=request.GET.get("name", ""),
            credential=request.body.decode("utf-8", errors="replace"),
            challenge=challenge,
            rp_id=_rp_id(request),
            origin=_origin(request),
        )
    except ValidationFailed as exc:
        return _refused(exc.message)
    # Registering proves possession of the authenticator: this session is verified.
    sessions.mark_verified(request.session, "webauthn")
    return JsonResponse({"ok": True})


@login_required
@require_POST
def authenticate_options(request):
    options, challenge = webauthn_authentication_options(actor=request.user, rp_id=_rp_id(request))
    request.session[AUTH_CHALLENGE] = challenge
    return _raw(options)


@login_required
@require_POST
def authenticate(request):
    # Each challenge answers once: a replayed assertion finds none.
    challenge = request.session.pop(AUTH_CHALLENGE, None)
    if challenge is None:
        return _refused("Ask for a challenge first.", "no_challenge")
    stored = webauthn_authenticate(
        actor=request.user,
        credential=request.body.decode("utf-8", errors="replace"),
        challenge=challenge,
        rp_id=_rp_id(request),
        origin=_origin(request),
    )
    if stored is None:
        return _refused("The passkey was not accepted.", "second_factor_failed", 403)
    request.session.cycle_key()
    sessions.mark_verified(request.session, "webauthn")
    return JsonResponse({"ok": True})


def _raw(options_json: str) -> HttpResponse:
    return HttpResponse(options_json, content_type="application/json")
