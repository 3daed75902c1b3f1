"""Demo second factors: every demo user has an authenticator app enrolled, with a secret that
is derived from the user name and therefore public, like the demo password. `manage.py
demo_totp <user>` prints the code it shows now (README). Demo only: seed_demo refuses to run
with DEBUG off unless forced."""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.demo import USERS

DEMO_DEVICE_NAME = "Demo authenticator"


def current_code(user) -> str | None:
    """Return the code `user`'s demo authenticator shows now, or None without one.

    Only a device seeded by the demo, with the public demo secret, has a code to show: a device
    a person enrolled themselves never does."""
    device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME, confirmed=True).first()
    if device is None or device.key != demo_totp_key(user.get_username()):
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def demo_totp_key(username: str) -> str:
    """Return the public demo TOTP secret of `username` (hex, 20 bytes)."""
    return hashlib.sha256(f"clearroom-demo-totp:{username}".encode()).hexdigest()[:40]


@transaction.atomic
def seed(stdout=None) -> dict[str, int]:
    """Enrol the demo authenticator of every demo user who has none."""
    created = 0
    for username, *_ in USERS:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            continue
        _, made = TOTPDevice.objects.get_or_create(
            user=user,
            name=DEMO_DEVICE_NAME,
            defaults={"key": demo_totp_key(username), "confirmed": True},
        )
        created += made
    if stdout is not None:
        stdout.write(f"demo authenticators enrolled: {created}")
    return {"totp_devices": created}
