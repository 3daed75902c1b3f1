"""Regulators' cosignatures of the forum's checkpoints."""

from __future__ import annotations

from django.db import transaction

from audit import actions
from audit.core.signed_note import (
    ALG_COSIGNATURE_V1,
    EM_DASH,
    NoteError,
    parse_verifier_key,
    split_note,
    verify_cosignature,
)
from audit.models import AuditCheckpoint, AuditCosignature
from audit.services.log import audit_record
from config.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from governance.permissions import organizations_with
from governance.roles import Capability, OrgKind


def _regulator_org(actor):
    for org in organizations_with(actor, Capability.READ_AUDIT):
        if org.kind == OrgKind.REGULATOR:
            return org
    raise AccessDenied("Only a regulator may cosign the forum's checkpoints.")


def _verifier(verifier_key: str):
    """Parse the regulator's key text; refuse anything but a cosignature/v1 key."""
    try:
        verifier = parse_verifier_key(verifier_key)
    except NoteError as exc:
        raise ValidationFailed(
            "The verifier key is not valid.",
            errors=[{"field": "verifier_key", "message": str(exc)}],
        ) from exc
    if verifier.alg != ALG_COSIGNATURE_V1:
        raise ValidationFailed(
            "The verifier key must be a cosignature/v1 key (type 0x04).",
            errors=[{"field": "verifier_key", "message": "not a cosignature/v1 key"}],
        )
    return verifier


def _verified_line(checkpoint: AuditCheckpoint, cosignature: str, verifier) -> tuple[str, int]:
    """Return the signature line of `verifier` in `cosignature` and its verified timestamp.

    `cosignature` is the line itself or the whole cosigned note, whose body must be this
    checkpoint's.
    """
    body, _ = split_note(checkpoint.note)
    text = cosignature.replace("\r\n", "\n").strip() + "\n"
    try:
        if "\n\n" in text and split_note(text)[0] != body:
            raise NoteError("the cosigned note is not this checkpoint")
        for line in text.splitlines():
            if not line.startswith(EM_DASH + " "):
                continue
            signature = split_note(body + "\n" + line + "\n")[1][0]
            if (signature.name, signature.key_id) == (verifier.name, verifier.key_id):
                return line, verify_cosignature(body + "\n" + line + "\n", verifier)
        raise NoteError(f"no cosignature by {verifier.name} with key {verifier.key_id.hex()}")
    except NoteError as exc:
        raise ValidationFailed(
            "The cosignature does not verify.",
            errors=[{"field": "cosignature", "message": str(exc)}],
        ) from exc


@transaction.atomic
def audit_cosignature_add(
    *, actor, checkpoint_size: int, verifier_key: str, cosignature: str
) -> AuditCosignature:
    """Verify a regulator's cosignature/v1 of a checkpoint and store it.

    `cosignature` is either the signature line (`— name base64`) or the whole cosigned
    checkpoint note; `verifier_key` is the regulator's key text (`name+keyid+key`, type 0x04).
    """
    org = _regulator_org(actor)
    checkpoint = AuditCheckpoint.objects.filter(size=checkpoint_size).first()
    if checkpoint is None:
        raise NotFound(f"There is no checkpoint of size {checkpoint_size}.")
    verifier = _verifier(verifier_key)
    line, timestamp = _verified_line(checkpoint, cosignature, verifier)
    key_hex = verifier.key_id.hex()
    if AuditCosignature.objects.filter(checkpoint=checkpoint, key_id=key_hex).exists():
        raise Conflict("This key has already cosigned this checkpoint.")
    stored = AuditCosignature.objects.create(
        checkpoint=checkpoint,
        name=verifier.name,
        key_id=key_hex,
        timestamp=timestamp,
        signature_line=line,
        verifier_key=verifier_key.strip(),
        organization_slug=org.slug,
        uploaded_by_user_id=actor.pk,
    )
    audit_record(
        actor=actor,
        action=actions.COSIGNATURE_ADDED,
        obj=stored,
        organization=org,
        data={
            "checkpoint_size": checkpoint.size,
            "cosigner": verifier.name,
            "key_id": key_hex,
            "timestamp": timestamp,
        },
    )
    return stored
