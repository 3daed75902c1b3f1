"""Audit pages in the navigation: counsel and regulators only."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditHead, ExportStatus
from audit.selectors.log import audit_export_list
from governance.navigation_registry import NavItem
from governance.permissions import can
from governance.roles import Capability

NAV_ITEMS: list = [
    NavItem("Audit log", "audit:events", (Capability.READ_AUDIT,), order=80, section="Audit"),
    NavItem(
        "Checkpoints", "audit:checkpoints", (Capability.READ_AUDIT,), order=81, section="Audit"
    ),
    NavItem("Exports", "audit:exports", (Capability.READ_AUDIT,), order=82, section="Audit"),
]


def inbox(user) -> list[dict]:
    """Return the audit exports this user asked for that are ready to download."""
    if not can(user, Capability.READ_AUDIT):
        return []
    ready = audit_export_list(user=user).filter(
        status=ExportStatus.COMPLETE, requested_by_user_id=user.pk
    )[:5]
    return [
        {
            "kind": "Export ready",
            "label": f"Audit export {export.pk}",
            "url": reverse("audit:export_download", args=[export.pk]),
            "due": None,
        }
        for export in ready
    ]


def dashboard_panels(user) -> list[dict]:
    """Offer counsel and regulators the size of the log and their exports."""
    if not can(user, Capability.READ_AUDIT):
        return []
    head = AuditHead.objects.filter(pk=1).first()
    return [
        {
            "title": "Audit events",
            "count": head.size if head else 0,
            "url": reverse("audit:events"),
        },
        {
            "title": "Audit exports",
            "count": audit_export_list(user=user).count(),
            "url": reverse("audit:exports"),
        },
    ]
