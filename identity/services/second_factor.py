"""Writes on a user's second factors: enrol, remove, verify; each emits its audit event.

A failed attempt is audited in its own transaction, so that the refusal that follows does not
roll the event back.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from audit import actions
from audit.services.log import audit_record
from config.errors import AccessDenied, NotFound, ValidationFailed
from governance.models import Organization
from governance.permissions import require
from governance.roles import Capability
from identity.models import RecoveryCode, WebAuthnCredential

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _hash_code(code: str) -> str:
    normalized = code.strip().lower().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalized.encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _failed(actor, method: str, reason: str) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=actions.SECOND_FACTOR_FAILED,
            obj=actor,
            data={"method": method, "reason": reason},
        )


def _recovery_codes_replace(actor) -> list[str]:
    RecoveryCode.objects.filter(user=actor).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=actor, code_hash=_hash_code(code)) for code in codes]
    )
    audit_record(
        actor=actor,
        action=actions.RECOVERY_CODES_GENERATED,
        obj=actor,
        data={"count": len(codes)},
    )
    return codes


@transaction.atomic
def totp_enrol_start(*, actor) -> TOTPDevice:
    """Begin enrolling an authenticator app: a fresh, unconfirmed TOTP device of `actor`."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)


def totp_enrol_confirm(*, actor, device_id: int, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm `actor`'s pending TOTP device with a code from the app; return it and new
    recovery codes (shown once) when `actor` had none left."""
    device = TOTPDevice.objects.filter(pk=device_id, user=actor, confirmed=False).first()
    if device is None:
        raise NotFound("No authenticator app is being enrolled; start again.")
    if not device.verify_token((code or "").strip()):
        _failed(actor, "totp", "enrolment code did not match")
        raise ValidationFailed(
            "That code does not match: check the app's clock and enter the current code.",
            errors=[{"field": "code", "message": "does not match"}],
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.refresh_from_db()
        audit_record(
            actor=actor,
            action=actions.SECOND_FACTOR_ENROLLED,
            obj=actor,
            data={"method": "totp", "device_id": device.pk},
        )
        codes = []
        if not RecoveryCode.objects.filter(user=actor, used_at__isnull=True).exists():
            codes = _recovery_codes_replace(actor)
    return device, codes


@transaction.atomic
def recovery_codes_regenerate(*, actor) -> list[str]:
    """Replace `actor`'s recovery codes with new ones and return them (shown once)."""
    return _recovery_codes_replace(actor)


@transaction.atomic
def second_factor_remove(*, actor, method: str, pk: int) -> None:
    """Remove one of `actor`'s own second factors."""
    model = {"totp": TOTPDevice, "webauthn": WebAuthnCredential}.get(method)
    if model is None:
        raise NotFound("No such second factor.")
    deleted, _ = model.objects.filter(pk=pk, user=actor).delete()
    if not deleted:
        raise NotFound("No such second factor.")
    audit_record(
        actor=actor,
        action=actions.SECOND_FACTOR_REMOVED,
        obj=actor,
        data={"method": method, "id": pk},
    )


def second_factor_verify(*, actor, code: str) -> str | None:
    """Check a code from `actor`'s authenticator app or a recovery code; return the method
    that matched ("totp" or "recovery_code"), or None (audited as a failed attempt)."""
    code = (code or "").strip()
    for device in TOTPDevice.objects.filter(user=actor, confirmed=True):
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            _verified(actor, "totp")
            return "totp"
    if code:
        with transaction.atomic():
            used = RecoveryCode.objects.filter(
                user=actor, code_hash=_hash_code(code), used_at__isnull=True
            ).update(used_at=timezone.now())
            if used:
                _verified(actor, "recovery_code")
                return "recovery_code"
    _failed(actor, "code", "no authenticator code or recovery code matched")
    return None


def _verified(actor, method: str) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=actions.SECOND_FACTOR_VERIFIED,
            obj=actor,
            data={"method": method},
        )


def webauthn_registration_options(*, actor, rp_id: str, rp_name: str) -> tuple[str, str]:
    """Return WebAuthn creation options for `actor` (JSON) and their challenge (base64url)."""
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=rp_name,
        user_name=actor.get_username(),
        user_id=str(actor.pk).encode(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
            for c in WebAuthnCredential.objects.filter(user=actor)
        ],
    )
    return options_to_json(options), bytes_to_base64url(options.challenge)


def webauthn_register(
    *, actor, name: str, credential: str, challenge: str, rp_id: str, origin: str
) -> WebAuthnCredential:
    """Verify a new passkey of `actor` against the challenge issued to them and keep its
    public key."""
    name = (name or "").strip()[:100] or "Passkey"
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        _failed(actor, "webauthn", "registration refused")
        raise ValidationFailed(
            f"The passkey could not be registered: {exc}",
            errors=[{"field": "credential", "message": "not verified"}],
        ) from None
    transports = []
    try:
        transports = json.loads(credential).get("response", {}).get("transports", []) or []
    except (ValueError, AttributeError):
        transports = []
    with transaction.atomic():
        created = WebAuthnCredential.objects.create(
            user=actor,
            name=name,
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=[t for t in transports if isinstance(t, str)][:8],
        )
        audit_record(
            actor=actor,
            action=actions.SECOND_FACTOR_ENROLLED,
            obj=actor,
            data={"method": "webauthn", "credential": created.pk, "name": name},
        )
    return created


def webauthn_authentication_options(*, actor, rp_id: str) -> tuple[str, str]:
    """Return WebAuthn request options for `actor`'s passkeys (JSON) and their challenge."""
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
            for c in WebAuthnCredential.objects.filter(user=actor)
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), bytes_to_base64url(options.challenge)


def webauthn_authenticate(
    *, actor, credential: str, challenge: str, rp_id: str, origin: str
) -> WebAuthnCredential | None:
    """Verify an assertion by one of `actor`'s passkeys; return the passkey, or None (audited
    as a failed attempt)."""
    try:
        raw_id = json.loads(credential).get("rawId") or json.loads(credential).get("id")
        stored = WebAuthnCredential.objects.get(user=actor, credential_id=raw_id)
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(stored.public_key),
            credential_current_sign_count=stored.sign_count,
        )
    except (
        WebAuthnException,
        WebAuthnCredential.DoesNotExist,
        ValueError,
        KeyError,
        AttributeError,
        TypeError,
    ):
        _failed(actor, "webauthn", "assertion refused")
        return None
    with transaction.atomic():
        WebAuthnCredential.objects.filter(pk=stored.pk).update(
            sign_count=verified.new_sign_count, last_used_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action=actions.SECOND_FACTOR_VERIFIED,
            obj=actor,
            data={"method": "webauthn", "credential": stored.pk},
        )
    return stored


@transaction.atomic
def organization_second_factor_require(
    *, actor, organization: Organization, required: bool
) -> Organization:
    """Make a second factor mandatory (or optional again) for every member of `organization`."""
    require(actor, Capability.MANAGE_ORG, organization)
    if not organization.is_member:
        raise AccessDenied("Only a member lab sets this; its other users always need it.")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.require_second_factor != required:
        Organization.objects.filter(pk=organization.pk).update(require_second_factor=required)
        organization.refresh_from_db()
        audit_record(
            actor=actor,
            action=actions.SECOND_FACTOR_POLICY_CHANGED,
            obj=organization,
            organization=organization,
            data={"required": required},
        )
    return organization
