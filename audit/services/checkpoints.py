"""Signed checkpoints of the log: the tree heads the forum signs, and their cosignatures' notes."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from audit import actions, keys
from audit.actors import SYSTEM, Actor
from audit.core.merkle import Frontier
from audit.core.signed_note import format_checkpoint, sign_note
from audit.exporting import frontier_at
from audit.models import AuditCheckpoint, AuditEvent
from audit.services.log import audit_record, locked_head
from config.errors import ValidationFailed


def _sign_checkpoint(*, actor: Actor | Any, size: int, root: bytes) -> AuditCheckpoint:
    origin = keys.key_name()
    note = sign_note(format_checkpoint(origin, size, root), origin, keys.signing_key())
    checkpoint = AuditCheckpoint.objects.create(
        size=size, root_hash=root.hex(), origin=origin, key_id=keys.key_id_hex(), note=note
    )
    # The event is appended after the checkpoint was taken, so a checkpoint of size n covers
    # events 0..n-1 and its own creation is seq n, covered by the next checkpoint. Recording the
    # root in the log itself means every tree head the forum ever signed is in the history.
    audit_record(
        actor=actor,
        action=actions.CHECKPOINT_CREATED,
        obj=checkpoint,
        data={"size": size, "root": root.hex(), "key_id": checkpoint.key_id},
    )
    return checkpoint


@transaction.atomic
def audit_checkpoint_create(*, actor: Actor | Any = SYSTEM) -> AuditCheckpoint | None:
    """Sign a checkpoint of the current head when events arrived since the last one.

    Return the new checkpoint, or None when nothing but the previous checkpoint's own creation
    event was appended since (so an idle log is not re-signed every few minutes).
    """
    head = locked_head()
    last = AuditCheckpoint.objects.order_by("-size").first()
    if head.size == 0:
        return None
    if last is not None:
        newer = AuditEvent.objects.filter(seq__gte=last.size).exclude(
            action=actions.CHECKPOINT_CREATED
        )
        if head.size <= last.size or not newer.exists():
            return None
    frontier = Frontier.from_json(head.frontier)
    return _sign_checkpoint(actor=actor, size=head.size, root=frontier.root())


@transaction.atomic
def audit_checkpoint_at(*, actor: Actor | Any = SYSTEM, size: int) -> AuditCheckpoint:
    """Return the checkpoint of exactly `size` events, signing one if none exists yet."""
    head = locked_head()
    if not 0 < size <= head.size:
        raise ValidationFailed(
            f"a checkpoint needs a size between 1 and {head.size}",
            errors=[{"field": "size", "message": f"must be 1..{head.size}"}],
        )
    existing = AuditCheckpoint.objects.filter(size=size).first()
    if existing is not None:
        return existing
    if size == head.size:
        root = Frontier.from_json(head.frontier).root()
    else:
        root = frontier_at(size).root()
    return _sign_checkpoint(actor=actor, size=size, root=root)


def checkpoint_note_with_cosignatures(checkpoint: AuditCheckpoint) -> str:
    """Return the checkpoint note with every stored cosignature line appended."""
    lines = [c.signature_line + "\n" for c in checkpoint.cosignatures.order_by("id")]
    return checkpoint.note + "".join(lines)
