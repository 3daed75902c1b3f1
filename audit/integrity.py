"""Check the live audit log the way the offline verifier checks a bundle (`verify_audit`)."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass

from audit import keys
from audit.core.canonical import parse_canonical
from audit.core.merkle import Frontier
from audit.core.signed_note import (
    NoteError,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    verify_cosignature,
)
from audit.exporting import CHUNK_SIZE
from audit.models import AuditCheckpoint, AuditEvent, AuditHead
from audit.services.log import ZERO_HASH, format_timestamp

LEAF_KEYS = {"v", "seq", "prev", "recorded_at", "actor", "action", "object", "data"}


class IntegrityError(Exception):
    """The stored log does not hold; `seq` is the first bad entry when one is to blame."""

    def __init__(self, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq

    def __str__(self) -> str:
        reason = self.args[0]
        return f"FAIL at seq {self.seq}: {reason}" if self.seq is not None else f"FAIL: {reason}"


@dataclass(frozen=True)
class IntegrityReport:
    size: int
    root: str
    checkpoints: int
    cosignatures: int


def _check_columns(seq: int, entry: dict, row: tuple) -> None:
    # The browsable columns must say what the signed leaf says, or the UI would mislead.
    (_, recorded_at, user_id, username, org, role, action, obj_type, obj_id, data) = row
    actual = {
        "recorded_at": format_timestamp(recorded_at),
        "actor": {"user_id": user_id, "username": username, "org": org, "role": role},
        "action": action,
        "object": {"type": obj_type, "id": obj_id},
        "data": data,
    }
    for key, value in actual.items():
        if entry[key] != value:
            raise IntegrityError(f"column {key} differs from the signed leaf", seq)


def check_database() -> IntegrityReport:
    """Re-verify every leaf, the chain, the head, checkpoint signatures, roots and cosignatures.

    Raise IntegrityError naming the first bad seq; return a summary when everything holds.
    """
    checkpoints = {c.size: c for c in AuditCheckpoint.objects.prefetch_related("cosignatures")}
    forum = keys.verifier()
    frontier = Frontier()
    prev = ZERO_HASH
    expected = 0
    rows = (
        AuditEvent.objects.order_by("seq")
        .values_list(
            "seq", "leaf", "prev_hash", "leaf_hash", "recorded_at", "actor_user_id",
            "actor_username", "actor_org", "actor_role", "action", "object_type", "object_id",
            "data",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )  # fmt: skip
    # Close the server-side cursor at once, even when a failure leaves the loop early.
    with contextlib.closing(rows):
        for seq, leaf, prev_hash, leaf_hash, *columns in rows:
            if seq != expected:
                raise IntegrityError(f"seq {seq} found where {expected} was expected", expected)
            leaf = bytes(leaf)
            try:
                entry = parse_canonical(leaf)
            except ValueError as exc:
                raise IntegrityError(f"leaf is not canonical JSON: {exc}", seq) from exc
            if not isinstance(entry, dict) or set(entry) != LEAF_KEYS:
                raise IntegrityError("leaf does not have the entry fields", seq)
            if entry["seq"] != seq:
                raise IntegrityError(f"leaf says seq {entry['seq']}", seq)
            if entry["prev"] != prev or prev_hash != prev:
                raise IntegrityError(
                    "hash chain broken: prev does not match the previous leaf", seq
                )
            digest = hashlib.sha256(b"\x00" + leaf).digest()
            if digest.hex() != leaf_hash:
                raise IntegrityError("stored leaf hash does not match the leaf", seq)
            _check_columns(seq, entry, (seq, *columns))
            frontier.append(digest)
            expected += 1
            prev = leaf_hash
            checkpoint = checkpoints.get(expected)
            if checkpoint is not None:
                _check_checkpoint(checkpoint, frontier.root(), forum)
    size = expected
    for checkpoint_size in checkpoints:
        if checkpoint_size > size or checkpoint_size == 0:
            raise IntegrityError(f"checkpoint of size {checkpoint_size} but the log has {size}")
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        if size:
            raise IntegrityError("the head row is missing")
    else:
        if head.size != size:
            raise IntegrityError(f"head says size {head.size} but the log has {size}", size)
        if size and head.last_leaf_hash != prev:
            raise IntegrityError("head's last leaf hash differs from the last leaf", size - 1)
        stored = Frontier.from_json(head.frontier) if head.frontier else Frontier()
        if stored != frontier:
            raise IntegrityError("head's Merkle frontier differs from the recomputed one")
    return IntegrityReport(
        size=size,
        root=frontier.root().hex(),
        checkpoints=len(checkpoints),
        cosignatures=sum(c.cosignatures.count() for c in checkpoints.values()),
    )


def _check_checkpoint(checkpoint: AuditCheckpoint, root: bytes, forum) -> None:
    last = checkpoint.size - 1
    try:
        body, _ = open_note(checkpoint.note, [forum])
        parsed = parse_checkpoint(body)
    except NoteError as exc:
        raise IntegrityError(f"checkpoint {checkpoint.size} signature: {exc}", last) from exc
    if parsed.origin != forum.name or parsed.size != checkpoint.size:
        raise IntegrityError(f"checkpoint {checkpoint.size} names another log or size", last)
    if parsed.root.hex() != checkpoint.root_hash:
        raise IntegrityError(f"checkpoint {checkpoint.size} root column differs", last)
    if parsed.root != root:
        raise IntegrityError(
            f"checkpoint {checkpoint.size} root differs from the recomputed Merkle root", last
        )
    for cosignature in checkpoint.cosignatures.all():
        try:
            verifier = parse_verifier_key(cosignature.verifier_key or "")
            note = body + "\n" + cosignature.signature_line + "\n"
            verify_cosignature(note, verifier)
        except NoteError as exc:
            raise IntegrityError(
                f"cosignature by {cosignature.name} of checkpoint {checkpoint.size}: {exc}", last
            ) from exc
