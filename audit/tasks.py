"""Celery tasks of the audit app: thin wrappers that call one service."""

from celery import shared_task

from audit.services.checkpoints import audit_checkpoint_create
from audit.services.exports import audit_export_build
from audit.services.log import health_ping


@shared_task(acks_late=True)
def health_ping_task(note: str = "") -> int:
    """Record that a worker ran; return the event's seq."""
    return health_ping(note=note).seq


@shared_task(acks_late=True)
def audit_checkpoint_task() -> int | None:
    """Sign a checkpoint when events arrived since the last one; return its size or None."""
    checkpoint = audit_checkpoint_create()
    return checkpoint.size if checkpoint is not None else None


@shared_task(acks_late=True)
def audit_export_build_task(export_id: int) -> str | None:
    """Build a requested export bundle; return its final status."""
    export = audit_export_build(export_id=export_id)
    return export.status if export is not None else None
