"""Every write to the audit app: append events, sign checkpoints, cosignatures and exports."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from audit import actions, keys
from audit.actions import ALL_ACTIONS, HEALTH_PINGED
from audit.actors import SYSTEM, Actor, actor_for
from audit.bundle import build_bundle
from audit.canonical import MAX_SAFE_INTEGER, canonicalize_checked
from audit.exporting import frontier_at, iter_leaf_hashes, iter_leaves, policy_files
from audit.merkle import Frontier, consistency_proof
from audit.models import (
    AuditCheckpoint,
    AuditCosignature,
    AuditEvent,
    AuditExport,
    AuditHead,
    ExportStatus,
)
from audit.signed_note import (
    ALG_COSIGNATURE_V1,
    EM_DASH,
    NoteError,
    format_checkpoint,
    parse_verifier_key,
    sign_note,
    split_note,
    verify_cosignature,
)
from audit.standalone import verifier_source
from config.bulk import bulk_insert
from config.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from governance.permissions import organizations_with, require
from governance.roles import Capability, OrgKind

logger = logging.getLogger(__name__)

LEAF_VERSION = 1
ZERO_HASH = "0" * 64


def _check_json(value: Any, path: str = "data") -> None:
    """Refuse values a leaf cannot hold exactly (floats, non-string keys, objects)."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise TypeError(f"{path} is outside ±(2**53 - 1); audit leaves hold exact integers")
        return
    if isinstance(value, float):
        raise TypeError(f"{path} is a float; audit leaves hold integers and strings only")
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path} has a non-string key {key!r}")
            _check_json(item, f"{path}.{key}")
        return
    raise TypeError(f"{path} holds a {type(value).__name__}, which JSON cannot represent")


def format_timestamp(moment) -> str:
    """Return `moment` as the leaf's UTC timestamp, `YYYY-MM-DDTHH:MM:SS.ffffffZ`."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def object_ref(obj: models.Model | None) -> tuple[str | None, str | None]:
    """Return the (type, id) an audit entry uses to name `obj`."""
    if obj is None:
        return None, None
    return f"{obj._meta.app_label}.{obj._meta.model_name}", str(obj.pk)


# One simple-protocol execute (no bound parameters, so psycopg may send two statements): the
# constraint mode and the head's lock cost one round trip. See `_locked_head` for why the
# constraints must be checked before the head is locked.
_LOCK_HEAD_SQL = (
    "SET CONSTRAINTS ALL IMMEDIATE; "
    "SELECT size, last_leaf_hash, frontier::text FROM audit_audithead WHERE id = 1 FOR UPDATE"
)
_EVENT_COLUMNS = (
    "seq, recorded_at, actor_user_id, actor_username, actor_org, actor_role, action, "
    "object_type, object_id, data, leaf, prev_hash, leaf_hash"
)
_EVENT_VALUES = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s)"
_HEAD_UPDATE_SQL = (
    "UPDATE audit_audithead SET size = %s, last_leaf_hash = %s, frontier = %s::jsonb WHERE id = 1"
)
# Up to this many events are one INSERT sharing its statement with the head's UPDATE (13
# parameters each); a larger batch (an envelope of submissions) is one COPY, then the UPDATE.
_COPY_ROWS = 50


def _lock_head_postgresql(cursor) -> tuple[int, str, Frontier]:
    """Lock the head in one round trip and return its size, last leaf hash and frontier."""
    cursor.execute(_LOCK_HEAD_SQL)
    while cursor.description is None:  # the SET's result comes first
        if not cursor.nextset():
            break
    row = cursor.fetchone() if cursor.description is not None else None
    if row is None:
        head = _locked_head()  # recreates a missing head of an empty log, or refuses
        size, last, frontier_json = head.size, head.last_leaf_hash, head.frontier
    else:
        size, last, frontier_text = row
        frontier_json = json.loads(frontier_text)
    frontier = Frontier.from_json(frontier_json) if frontier_json else Frontier()
    return size, last, frontier


def _insert_and_head_sql(rows: int) -> str:
    """Return the INSERT of `rows` events and the head's UPDATE, as one statement."""
    # Built from constants and placeholders only; every value is a bound parameter.
    values = ", ".join([_EVENT_VALUES] * rows)
    insert = f"INSERT INTO audit_auditevent ({_EVENT_COLUMNS}) VALUES {values}"  # noqa: S608
    return f"WITH e AS ({insert}) {_HEAD_UPDATE_SQL}"


def _write_postgresql(cursor, events: list[AuditEvent], size: int, last: str, frontier) -> None:
    """Insert `events` and advance the head: one statement, or a COPY and the UPDATE."""
    head = [size, last, json.dumps(frontier.to_json())]
    if len(events) > _COPY_ROWS:
        bulk_insert(AuditEvent, events)  # about 5x faster a row than a multi-row INSERT
        cursor.execute(_HEAD_UPDATE_SQL, head)
    else:
        params = [
            value
            for e in events
            for value in (
                e.seq, e.recorded_at, e.actor_user_id, e.actor_username, e.actor_org,
                e.actor_role, e.action, e.object_type, e.object_id, json.dumps(e.data), e.leaf,
                e.prev_hash, e.leaf_hash,
            )
        ]  # fmt: skip
        cursor.execute(_insert_and_head_sql(len(events)), params + head)
        for event in events:
            event._state.adding = False
            event._state.db = connection.alias
    if cursor.rowcount != 1:
        raise RuntimeError("audit head row is missing")


def _locked_head() -> AuditHead:
    if connection.vendor == "postgresql":
        # The head must be the last lock a transaction waits for. Django's foreign keys are
        # deferred, so without this the checks of the rows written so far would run at COMMIT,
        # while holding the head, and wait for a row another writer locked before queuing for
        # the head: a deadlock (e.g. intake referencing the version that an approval
        # supersedes). Checking them now waits without the head held.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The migration creates the head; a test-database flush removes it. Recreate it only
        # when the log is empty, so a missing head can never restart a non-empty chain.
        if AuditEvent.objects.exists():
            raise RuntimeError("audit head row is missing while events exist")
        AuditHead.objects.get_or_create(pk=1)
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(frozen=True)
class AuditSpec:
    """One event to append: the arguments of `audit_record`, for `audit_record_many`."""

    actor: Any
    action: str
    obj: models.Model | None = None
    data: dict[str, Any] | None = None
    organization: Any = None
    object_type: str | None = None
    object_id: str | None = None


def audit_record(
    *,
    actor: Actor | Any,
    action: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    organization=None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> AuditEvent:
    """Append one event to the log inside the current transaction and return it.

    The head row is locked until the caller's transaction ends, so concurrent writers are
    serialised and a rolled-back change leaves neither an event nor a gap in `seq`.
    """
    spec = AuditSpec(actor, action, obj, data, organization, object_type, object_id)
    return audit_record_many([spec])[0]


def _prepared(spec: AuditSpec) -> dict[str, Any]:
    """Check one spec and return everything of its event that does not depend on the head."""
    if spec.action not in ALL_ACTIONS:
        raise ValueError(f"unknown audit action {spec.action!r}; add it to audit/actions.py")
    data = dict(spec.data or {})
    _check_json(data)
    object_type, object_id = spec.object_type, spec.object_id
    if spec.obj is not None:
        object_type, object_id = object_ref(spec.obj)
    return {
        "actor": actor_for(spec.actor, spec.organization),
        "action": spec.action,
        "object_type": object_type,
        "object_id": object_id,
        "data": data,
    }


def audit_record_many(specs: list[AuditSpec]) -> list[AuditEvent]:
    """Append `specs` in order, under one lock of the head, and return their events.

    The same events as one `audit_record` call each, inside the caller's transaction; a bulk
    write (an envelope of submissions) holds the head once instead of once per event.
    """
    prepared = [_prepared(spec) for spec in specs]
    if not prepared:
        return []
    recorded_at = timezone.now()
    stamp = format_timestamp(recorded_at)
    # No savepoint: the events belong to the caller's transaction, and a failure here must roll
    # the whole change back anyway (a change never commits without its events).
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            # Raw SQL, two round trips inside the lock: lock (with the constraint mode), then
            # the events and the head in one statement; the ORM path below does four.
            with connection.cursor() as cursor:
                seq, prev, frontier = _lock_head_postgresql(cursor)
                events = _chain(prepared, recorded_at, stamp, seq, prev, frontier)
                _write_postgresql(cursor, events, seq + len(events), events[-1].leaf_hash, frontier)
            return events
        head = _locked_head()
        seq = head.size
        frontier = Frontier.from_json(head.frontier) if head.frontier else Frontier()
        events = _chain(prepared, recorded_at, stamp, seq, head.last_leaf_hash, frontier)
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(events, batch_size=500)
        AuditHead.objects.filter(pk=1).update(
            size=seq + len(events), last_leaf_hash=events[-1].leaf_hash, frontier=frontier.to_json()
        )
    return events


def _chain(
    prepared: list[dict[str, Any]],
    recorded_at: dt.datetime,
    stamp: str,
    seq: int,
    last_leaf_hash: str,
    frontier: Frontier,
) -> list[AuditEvent]:
    """Build the events of `prepared` after the head (`seq`, its last hash), folding `frontier`."""
    prev = last_leaf_hash if seq else ZERO_HASH
    events = []
    for item in prepared:
        snapshot = item["actor"]
        entry = {
            "v": LEAF_VERSION,
            "seq": seq,
            "prev": prev,
            "recorded_at": stamp,
            "actor": snapshot.as_dict(),
            "action": item["action"],
            "object": {"type": item["object_type"], "id": item["object_id"]},
            "data": item["data"],
        }
        # RFC 8785; `_prepared` checked the data (no floats, string keys, safe integers).
        leaf = canonicalize_checked(entry)
        digest = hashlib.sha256(b"\x00" + leaf).digest()
        frontier.append(digest)
        leaf_hash = digest.hex()
        events.append(
            AuditEvent(
                seq=seq,
                recorded_at=recorded_at,
                actor_user_id=snapshot.user_id,
                actor_username=snapshot.username,
                actor_org=snapshot.org,
                actor_role=snapshot.role,
                action=item["action"],
                object_type=item["object_type"],
                object_id=item["object_id"],
                data=item["data"],
                leaf=leaf,
                prev_hash=prev,
                leaf_hash=leaf_hash,
            )
        )
        seq += 1
        prev = leaf_hash
    return events


@transaction.atomic
def health_ping(*, note: str = "") -> AuditEvent:
    """Record, as the system, that a background worker is alive."""
    return audit_record(actor=SYSTEM, action=HEALTH_PINGED, data={"note": note[:200]})


# Checkpoints.


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
    head = _locked_head()
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
    head = _locked_head()
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


def _regulator_org(actor):
    for org in organizations_with(actor, Capability.READ_AUDIT):
        if org.kind == OrgKind.REGULATOR:
            return org
    raise AccessDenied("Only a regulator may cosign the forum's checkpoints.")


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
                timestamp = verify_cosignature(body + "\n" + line + "\n", verifier)
                break
        else:
            raise NoteError(f"no cosignature by {verifier.name} with key {verifier.key_id.hex()}")
    except NoteError as exc:
        raise ValidationFailed(
            "The cosignature does not verify.",
            errors=[{"field": "cosignature", "message": str(exc)}],
        ) from exc
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


# Exports.


def _export_org(actor):
    require(actor, Capability.READ_AUDIT)
    return organizations_with(actor, Capability.READ_AUDIT)[0]


def export_path(export: AuditExport) -> Path:
    """Return where the bundle of `export` is written."""
    return Path(settings.CLEARROOM_EXPORT_DIR) / f"clearroom-audit-export-{export.pk}.zip"


def _export_create(*, actor, organization, from_seq: int | None, to_seq: int | None):
    size = _locked_head().size
    errors = []
    if from_seq is not None and not 0 <= from_seq < size:
        errors.append({"field": "from_seq", "message": f"must be an existing seq (0..{size - 1})"})
    if to_seq is not None and not 0 <= to_seq < size:
        errors.append({"field": "to_seq", "message": f"must be an existing seq (0..{size - 1})"})
    if from_seq is not None and to_seq is not None and from_seq > to_seq:
        errors.append({"field": "to_seq", "message": "must not be before from_seq"})
    if errors:
        raise ValidationFailed("The export range is not valid.", errors=errors)
    snapshot = actor_for(actor, organization)
    export = AuditExport.objects.create(
        requested_by_user_id=snapshot.user_id,
        requested_by_username=snapshot.username,
        organization_slug=organization.slug if organization is not None else "",
        from_seq=from_seq,
        to_seq=to_seq,
    )
    audit_record(
        actor=snapshot,
        action=actions.EXPORT_REQUESTED,
        obj=export,
        data={"from_seq": from_seq, "to_seq": to_seq},
    )
    return export


@transaction.atomic
def audit_export_request(
    *, actor, from_seq: int | None = None, to_seq: int | None = None
) -> AuditExport:
    """Record a regulator's or counsel's export request and enqueue its build after commit."""
    export = _export_create(
        actor=actor, organization=_export_org(actor), from_seq=from_seq, to_seq=to_seq
    )
    transaction.on_commit(lambda: _enqueue_export_build(export.pk))
    return export


def _enqueue_export_build(export_id: int) -> None:
    """Queue the build; when the broker cannot take it, finish the export as failed, not stuck."""
    from audit.tasks import audit_export_build_task

    try:
        audit_export_build_task.delay(export_id)
    except OperationalError as exc:
        logger.exception("audit export %s could not be queued", export_id)
        _export_finish(
            export_id,
            status=ExportStatus.FAILED,
            error=f"The build could not be queued ({exc}); request the export again."[:2000],
        )


def audit_export_cli(
    *, actor: Actor = SYSTEM, from_seq: int | None = None, to_seq: int | None = None
) -> AuditExport:
    """Request and build an operator's export in this process (`manage.py audit_export`).

    It belongs to no organization, so it carries no consistency proof and never counts as a
    checkpoint a regulator already received.
    """
    with transaction.atomic():
        export = _export_create(actor=actor, organization=None, from_seq=from_seq, to_seq=to_seq)
    return audit_export_build(export_id=export.pk)


def _last_exported_size(org_slug: str, before: int) -> int | None:
    if not org_slug:
        return None
    sizes = AuditExport.objects.filter(
        organization_slug=org_slug, status=ExportStatus.COMPLETE, checkpoint_size__isnull=False
    ).values_list("checkpoint_size", flat=True)
    earlier = [s for s in sizes if s <= before]
    return max(earlier) if earlier else None


@transaction.atomic
def _export_start(export_id: int) -> AuditExport | None:
    export = AuditExport.objects.select_for_update().filter(pk=export_id).first()
    # A `running` export is one whose worker died (acks_late redelivers it): build it again.
    if export is None or export.is_finished:
        return None
    head_size = _locked_head().size
    end = export.to_seq + 1 if export.to_seq is not None else head_size
    start = export.from_seq or 0
    export.status = ExportStatus.RUNNING
    export.started_at = timezone.now()
    export.progress = 0
    export.since_size = _last_exported_size(export.organization_slug, end)
    export.checkpoint_size = end
    export.event_count = end - start
    export.save(
        update_fields=[
            "status", "started_at", "progress", "since_size", "checkpoint_size", "event_count",
        ]
    )  # fmt: skip
    audit_record(
        actor=SYSTEM,
        action=actions.EXPORT_STARTED,
        obj=export,
        data={"from_seq": start, "to_seq": end - 1, "since_size": export.since_size},
    )
    return export


def _export_progress(export_id: int, progress: int) -> None:
    # Progress is not a status change: a conditional update, not an audit event.
    AuditExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(
        progress=min(progress, 99)
    )


@transaction.atomic
def _export_finish(export_id: int, **fields) -> AuditExport:
    export = AuditExport.objects.select_for_update().get(pk=export_id)
    for name, value in fields.items():
        setattr(export, name, value)
    export.finished_at = timezone.now()
    export.save()
    if export.status == ExportStatus.COMPLETE:
        audit_record(
            actor=SYSTEM,
            action=actions.EXPORT_COMPLETED,
            obj=export,
            data={
                "from_seq": export.from_seq or 0,
                "to_seq": export.checkpoint_size - 1,
                "checkpoint_size": export.checkpoint_size,
                "since_size": export.since_size,
                "sha256": export.sha256,
                "size_bytes": export.size_bytes,
            },
        )
    else:
        audit_record(
            actor=SYSTEM,
            action=actions.EXPORT_FAILED,
            obj=export,
            data={"error": export.error[:500]},
        )
    return export


def _file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest(), path.stat().st_size


def _build(export: AuditExport, path: Path) -> None:
    start = export.from_seq or 0
    end = export.checkpoint_size
    final = audit_checkpoint_at(size=end)
    since = export.since_size
    proofs = []
    if since is not None and 0 < since < end:
        hashes = list(iter_leaf_hashes(0, end))
        proofs.append(
            {
                "old_size": since,
                "new_size": end,
                "proof": [h.hex() for h in consistency_proof(hashes, since, end)],
            }
        )
        prefix = Frontier()
        for digest in hashes[:start]:
            prefix.append(digest)
    else:
        prefix = frontier_at(start)
    prev = "0" * 64
    if start:
        prev = AuditEvent.objects.values_list("leaf_hash", flat=True).get(seq=start - 1)
    checkpoints = [
        checkpoint_note_with_cosignatures(c)
        for c in AuditCheckpoint.objects.filter(size__gt=start, size__lte=end)
        .prefetch_related("cosignatures")
        .order_by("size")
    ]
    assert final.size == end
    total = end - start

    def on_progress(done: int) -> None:
        _export_progress(export.pk, done * 100 // total)

    path.parent.mkdir(parents=True, exist_ok=True)
    build_bundle(
        str(path),
        origin=final.origin,
        leaves=iter_leaves(start, end, on_progress),
        from_seq=start,
        prefix_frontier=prefix,
        prefix_prev=prev,
        checkpoints=checkpoints,
        proofs=proofs,
        extra_files=policy_files(start, end),
        created_at=format_timestamp(timezone.now()),
        verifier=verifier_source(),
    )


def audit_export_build(*, export_id: int) -> AuditExport | None:
    """Build the bundle of a requested export; end `complete` or `failed`, never `running`.

    Idempotent: a finished export is left as it is. Slow work happens outside any row lock.
    """
    export = _export_start(export_id)
    if export is None:
        return AuditExport.objects.filter(pk=export_id).first()
    path = export_path(export)
    partial = path.with_suffix(".zip.partial")
    try:
        _build(export, partial)
        os.replace(partial, path)
        digest, size = _file_digest(path)
    except Exception as exc:
        logger.exception("audit export %s failed", export_id)
        partial.unlink(missing_ok=True)
        return _export_finish(
            export_id, status=ExportStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
    return _export_finish(
        export_id,
        status=ExportStatus.COMPLETE,
        progress=100,
        file_path=str(path),
        sha256=digest,
        size_bytes=size,
        error="",
    )


@transaction.atomic
def audit_export_download(*, actor, export: AuditExport) -> Path:
    """Record that `actor` downloads a complete export and return the file to stream."""
    require(actor, Capability.READ_AUDIT)
    if export.status != ExportStatus.COMPLETE:
        raise Conflict("This export is not complete.")
    path = Path(export.file_path)
    if not path.is_file():
        raise NotFound("The export file is no longer available.")
    audit_record(
        actor=actor,
        action=actions.EXPORT_DOWNLOADED,
        obj=export,
        data={"sha256": export.sha256, "checkpoint_size": export.checkpoint_size},
    )
    return path
