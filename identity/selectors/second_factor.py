"""Reads on a user's second factors: which they hold, and whether they must hold one."""

from __future__ import annotations

from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.permissions import memberships
from identity.core.rules import second_factor_required
from identity.models import RecoveryCode, WebAuthnCredential


@dataclass(frozen=True)
class Factors:
    totp: list
    webauthn: list
    recovery_codes_left: int
    required: bool

    @property
    def any(self) -> bool:
        return bool(self.totp or self.webauthn)


def second_factor_required_for(user) -> bool:
    """Return whether `user` must sign in with a second factor (role or organization)."""
    held = memberships(user)
    return second_factor_required(
        [m.role for m in held], any(m.organization.require_second_factor for m in held)
    )


def has_second_factor(user) -> bool:
    """Return whether `user` has enrolled a TOTP device or a passkey."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user).exists()
    )


def factors_of(*, actor) -> Factors:
    """Return `actor`'s own second factors (never another user's)."""
    return Factors(
        totp=list(TOTPDevice.objects.filter(user=actor, confirmed=True).order_by("id")),
        webauthn=list(WebAuthnCredential.objects.filter(user=actor)),
        recovery_codes_left=RecoveryCode.objects.filter(user=actor, used_at__isnull=True).count(),
        required=second_factor_required_for(actor),
    )
