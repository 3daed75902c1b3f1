"""Test users sign in as real users do: with a password and an enrolled second factor.

`member_user` (tests/factories.py) enrols a TOTP device for every user it makes, as counsel,
regulators and member admins must have. `Client.force_login` then stands for the whole sign-in:
it logs the user in and, when the user has a confirmed device, records in the session that the
second factor was proven, exactly what identity/views/second_factor.py's `verify` records after
a good code (identity.sessions.mark_verified). A user without a device gets an unverified
session, and is sent to enrolment or verification like anyone else: tests/identity/ covers the
real code and passkey paths, and the refusals.
"""

from __future__ import annotations

from django.test import Client


def enrol_totp(user):
    """Give `user` a confirmed TOTP device (a fixture's enrolment) and return it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="Test authenticator", defaults={"confirmed": True}
    )
    return device


def current_code(device) -> str:
    """Return the code `device`'s authenticator app shows now."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def install() -> None:
    """Make `Client.force_login` prove the user's second factor as a real sign-in does."""
    if getattr(Client.force_login, "proves_second_factor", False):
        return
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from identity import sessions

        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            session = self.session
            sessions.mark_verified(session, "totp")
            session.save()

    force_login.proves_second_factor = True
    Client.force_login = force_login
