"""The public checkpoint feed: every tree head the forum signed, and proofs between them."""

from __future__ import annotations

from typing import Any

from audit import keys
from audit.core.merkle import consistency_proof
from audit.exporting import iter_leaf_hashes
from audit.models import AuditCheckpoint
from audit.services.checkpoints import checkpoint_note_with_cosignatures
from config.errors import NotFound, ValidationFailed


def checkpoint_feed() -> dict[str, Any]:
    """Return every signed checkpoint, oldest first, with its note and cosignatures."""
    checkpoints = AuditCheckpoint.objects.prefetch_related("cosignatures").order_by("size")
    return {
        "origin": keys.key_name(),
        "key": keys.verifier_key_text(),
        "checkpoints": [
            {
                "size": c.size,
                "root": c.root_hash,
                "created_at": c.created_at.isoformat(),
                "cosignatures": len(c.cosignatures.all()),
                "note": checkpoint_note_with_cosignatures(c),
            }
            for c in checkpoints
        ],
    }


# Sizes are stored as 64-bit integers; anything larger is no checkpoint (and no query).
_MAX_SIZE = 2**63 - 1


def published_checkpoint(size: int) -> AuditCheckpoint:
    """Return the signed checkpoint of `size`; raise NotFound if the forum signed none."""
    checkpoint = (
        AuditCheckpoint.objects.filter(size=size).first() if 0 <= size <= _MAX_SIZE else None
    )
    if checkpoint is None:
        raise NotFound(f"The forum signed no checkpoint of size {size}.")
    return checkpoint


def consistency(*, old_size: int, new_size: int) -> dict[str, Any]:
    """Return the RFC 9162 consistency proof between two published checkpoints, with both notes.

    Raise ValidationFailed when `old_size` exceeds `new_size`, NotFound when either is not a
    checkpoint the forum signed.
    """
    if old_size > new_size:
        raise ValidationFailed(
            "the old checkpoint must not be larger than the new one",
            errors=[{"field": "old", "message": f"must be at most {new_size}"}],
        )
    old, new = published_checkpoint(old_size), published_checkpoint(new_size)
    hashes = list(iter_leaf_hashes(0, new_size))
    return {
        "old": {"size": old.size, "root": old.root_hash, "note": old.note},
        "new": {"size": new.size, "root": new.root_hash, "note": new.note},
        "proof": [h.hex() for h in consistency_proof(hashes, old_size, new_size)],
    }
