"""A user's own second factors: list, enrol an authenticator app, prove, remove."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.errors import ValidationFailed
from config.pages import form_add_errors, page
from identity import demo, sessions
from identity.forms import CodeForm, TotpConfirmForm
from identity.selectors.second_factor import factors_of
from identity.services.second_factor import (
    recovery_codes_regenerate,
    second_factor_remove,
    second_factor_verify,
    totp_enrol_confirm,
    totp_enrol_start,
)


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@page
@require_http_methods(["GET"])
def factors(request):
    return render(
        request,
        "identity/factors.html",
        {
            "factors": factors_of(actor=request.user),
            "verified": sessions.verified_at(request.session) is not None,
        },
    )


@page
@require_http_methods(["GET", "POST"])
def verify(request):
    held = factors_of(actor=request.user)
    if not held.any:
        messages.info(request, "You have no second factor yet: enrol one here.")
        return redirect("identity:factors")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        method = second_factor_verify(actor=request.user, code=form.cleaned_data["code"])
        if method is not None:
            request.session.cycle_key()
            sessions.mark_verified(request.session, method)
            if method == "recovery_code":
                messages.warning(
                    request,
                    f"Recovery code used: {held.recovery_codes_left - 1} left. "
                    "Make new ones on your second-factor page.",
                )
            return redirect(_next(request))
        form.add_error("code", "That code does not match. Try the current code again.")
    # The demo's authenticators have public secrets: its page shows their code, as the demo's
    # login page shows the demo password. Never outside a demo installation.
    demo_code = demo.current_code(request.user) if settings.CLEARROOM_DEMO else None
    return render(
        request,
        "identity/verify.html",
        {"form": form, "factors": held, "next": _next(request), "demo_code": demo_code},
    )


@page
@require_POST
def totp_start(request):
    device = totp_enrol_start(actor=request.user)
    return _totp_page(request, device, TotpConfirmForm(initial={"device": device.pk}))


def _totp_page(request, device, form):
    uri = device.config_url
    return render(
        request,
        "identity/totp.html",
        {
            "form": form,
            "qr": segno.make(uri, error="m").svg_inline(scale=4, title="Authenticator app QR"),
            "secret": _base32(device.bin_key),
            "uri": uri,
        },
    )


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode().rstrip("=")


@page
@require_POST
def totp_confirm(request):
    form = TotpConfirmForm(request.POST)
    if not form.is_valid():
        return redirect("identity:factors")
    try:
        _device, codes = totp_enrol_confirm(
            actor=request.user,
            device_id=form.cleaned_data["device"],
            code=form.cleaned_data["code"],
        )
    except ValidationFailed as exc:
        device = TOTPDevice.objects.filter(
            pk=form.cleaned_data["device"], user=request.user, confirmed=False
        ).first()
        if device is None:
            return redirect("identity:factors")
        form_add_errors(form, exc)
        return _totp_page(request, device, form)
    # Enrolling proves possession of the factor: this session is verified.
    sessions.mark_verified(request.session, "totp")
    messages.success(request, "Authenticator app enrolled.")
    return _recovery_page(request, codes) if codes else redirect("identity:factors")


def _recovery_page(request, codes):
    return render(request, "identity/recovery_codes.html", {"codes": codes})


@page
@require_POST
def recovery_codes(request):
    if not factors_of(actor=request.user).any:
        messages.error(request, "Enrol an authenticator app or a passkey first.")
        return redirect("identity:factors")
    return _recovery_page(request, recovery_codes_regenerate(actor=request.user))


@page
@require_POST
def remove(request, method: str, pk: int):
    second_factor_remove(actor=request.user, method=method, pk=pk)
    messages.success(request, "Second factor removed.")
    return redirect("identity:factors")
