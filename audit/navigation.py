"""Audit pages in the navigation: counsel and regulators only."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditHead
from audit.selectors.log import audit_export_list
from governance.navigation_registry import NavItem
from governance.permissions import can
from governance.roles import Capability

NAV_ITEMS: list = [
    NavItem("Audit log", "audit:events", (Capability.READ_AUDIT,), order=80),
    NavItem("Checkpoints", "audit:checkpoints", (Capability.READ_AUDIT,), order=81),
    NavItem("Exports", "audit:exports", (Capability.READ_AUDIT,), order=82),
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
