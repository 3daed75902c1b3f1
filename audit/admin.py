"""Read-only admin views of the audit log (the database refuses changes anyway)."""

from django.contrib import admin

from audit.models import AuditCheckpoint, AuditEvent
from config.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "seq",
        "recorded_at",
        "action",
        "actor_username",
        "actor_org",
        "object_type",
        "object_id",
    )
    list_filter = ("action", "actor_org")
    exclude = ("leaf",)


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("size", "root_hash", "key_id", "created_at")
