"""Demo audit data (`manage.py seed_demo`): a signed checkpoint and an export for the regulator."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from audit.models import AuditCheckpoint, AuditExport, ExportStatus
from audit.services.checkpoints import audit_checkpoint_create
from audit.services.exports import audit_export_build, audit_export_request

DEMO_REGULATOR = "regulator"


def seed(stdout=None) -> dict[str, int]:
    """Sign a checkpoint and build a complete export the demo regulator can download."""
    created = {"checkpoints": 0, "exports": 0}
    if not AuditCheckpoint.objects.exists() and audit_checkpoint_create() is not None:
        created["checkpoints"] += 1
    regulator = get_user_model().objects.filter(username=DEMO_REGULATOR).first()
    if (
        regulator is not None
        and not AuditExport.objects.filter(
            requested_by_user_id=regulator.pk, status=ExportStatus.COMPLETE
        ).exists()
    ):
        export = audit_export_request(actor=regulator)
        # Build now so the demo is ready at once; the task enqueued on commit is then a no-op.
        audit_export_build(export_id=export.pk)
        created["exports"] += 1
    if stdout is not None:
        stdout.write(
            f"audit checkpoints created: {created['checkpoints']}, "
            f"exports built: {created['exports']}"
        )
    return created
