"""The append-only audit log: events, the single head row, checkpoints and cosignatures.

Rows of these tables are never updated or deleted; migrations install database triggers that
refuse it (see docs/audit.md).
"""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    # `seq` is assigned under the head row's lock, never by a database sequence (which would
    # skip numbers on rollback): the log is gapless.
    seq = models.BigIntegerField(primary_key=True)
    recorded_at = models.DateTimeField()
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150)
    actor_org = models.CharField(max_length=64, null=True, blank=True)
    actor_role = models.CharField(max_length=32, null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, null=True, blank=True)
    object_id = models.CharField(max_length=64, null=True, blank=True)
    data = models.JSONField(default=dict)
    leaf = models.BinaryField()
    prev_hash = models.CharField(max_length=64)
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["action", "seq"]),
            models.Index(fields=["object_type", "object_id", "seq"]),
            models.Index(fields=["actor_org", "seq"]),
            models.Index(fields=["actor_user_id", "seq"]),
            models.Index(fields=["recorded_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditHead(models.Model):
    """The single row every append locks: size, last leaf hash and the Merkle frontier."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    last_leaf_hash = models.CharField(max_length=64, default="0" * 64)
    frontier = models.JSONField(default=dict)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="single_audit_head")]

    def __str__(self) -> str:
        return f"audit head at size {self.size}"


class AuditCheckpoint(models.Model):
    """A signed tree head (C2SP checkpoint) over events 0..size-1."""

    size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    origin = models.CharField(max_length=200)
    key_id = models.CharField(max_length=8)
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"checkpoint at size {self.size}"


class AuditCosignature(models.Model):
    """A regulator's C2SP cosignature/v1 of a checkpoint, verified before it is stored."""

    checkpoint = models.ForeignKey(
        AuditCheckpoint, on_delete=models.PROTECT, related_name="cosignatures"
    )
    name = models.CharField(max_length=200)
    key_id = models.CharField(max_length=8)
    timestamp = models.BigIntegerField()
    signature_line = models.TextField()
    # The cosigner's verifier key text as uploaded, so `verify_audit` can re-check the line.
    # Nullable so SQLite adds the column in place instead of rebuilding the table (which would
    # drop its append-only triggers).
    verifier_key = models.TextField(null=True, blank=True)
    organization_slug = models.CharField(max_length=64)
    uploaded_by_user_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "key_id"], name="one_cosig_per_key"),
        ]

    def __str__(self) -> str:
        return f"cosignature by {self.name} of {self.checkpoint}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"


class AuditExport(models.Model):
    """A regulator's or counsel's export bundle request and its build state.

    Unlike the log tables this row changes (status, progress), but only through the services in
    `audit/services/exports.py`, and every status change is itself an audit event.
    """

    # None for the system (`manage.py audit_export`), which exports for no organization ("").
    requested_by_user_id = models.BigIntegerField(null=True, blank=True)
    requested_by_username = models.CharField(max_length=150)
    organization_slug = models.CharField(max_length=64, blank=True)
    # Requested range; None means from the first event / up to the head when the build starts.
    from_seq = models.BigIntegerField(null=True, blank=True)
    to_seq = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)
    # Size of the last checkpoint already exported to this organization (consistency proof).
    since_size = models.BigIntegerField(null=True, blank=True)
    # Size of the signed checkpoint the bundle ends at (to_seq + 1 of the bundle).
    checkpoint_size = models.BigIntegerField(null=True, blank=True)
    event_count = models.BigIntegerField(null=True, blank=True)
    file_path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organization_slug", "status", "-id"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="export_progress"),
            models.CheckConstraint(
                condition=models.Q(from_seq__isnull=True)
                | models.Q(to_seq__isnull=True)
                | models.Q(from_seq__lte=models.F("to_seq")),
                name="export_range_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="complete")
                | (~models.Q(file_path="") & ~models.Q(sha256="")),
                name="complete_export_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"export #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.COMPLETE, ExportStatus.FAILED)
