"""Export bundles for regulators and counsel: request, build in a worker, download."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.actors import SYSTEM, Actor, actor_for
from audit.core.bundle import build_bundle
from audit.core.merkle import Frontier, consistency_proof
from audit.core.standalone import verifier_source
from audit.exporting import bundle_files, frontier_at, iter_leaf_hashes, iter_leaves
from audit.models import AuditCheckpoint, AuditEvent, AuditExport, ExportStatus
from audit.services.checkpoints import audit_checkpoint_at, checkpoint_note_with_cosignatures
from audit.services.log import audit_record, format_timestamp, locked_head
from config.errors import Conflict, NotFound, ValidationFailed
from config.jobs import enqueue_on_commit
from governance.permissions import organizations_with, require
from governance.roles import Capability

logger = logging.getLogger(__name__)


def _export_org(actor):
    require(actor, Capability.READ_AUDIT)
    return organizations_with(actor, Capability.READ_AUDIT)[0]


def export_path(export: AuditExport) -> Path:
    """Return where the bundle of `export` is written."""
    return Path(settings.CLEARROOM_EXPORT_DIR) / f"clearroom-audit-export-{export.pk}.zip"


def _export_create(*, actor, organization, from_seq: int | None, to_seq: int | None):
    size = locked_head().size
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
    enqueue_on_commit(
        "audit.tasks.audit_export_build_task",
        export_id=export.pk,
        on_broker_down=functools.partial(_export_unqueued, export.pk),
    )
    return export


def _export_unqueued(export_id: int, error: Exception) -> None:
    """Finish an export whose build the broker could not take as failed, not stuck."""
    _export_finish(
        export_id,
        status=ExportStatus.FAILED,
        error=f"The build could not be queued ({error}); request the export again."[:2000],
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
    head_size = locked_head().size
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
        extra_files=bundle_files(start, end),
        created_at=format_timestamp(timezone.now()),
        verifier=verifier_source(),
        version=2,
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
    except (DatabaseOperationalError, DatabaseInterfaceError):
        partial.unlink(missing_ok=True)
        raise  # transient: the task retries it and the export is built again from the start
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
