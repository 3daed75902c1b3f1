"""Governance pages in the navigation (see governance/navigation_registry.py)."""

from __future__ import annotations

from django.urls import reverse

from governance.models import PolicyStatus, PolicyVersion
from governance.navigation_registry import NavItem
from governance.permissions import can
from governance.roles import Capability as C

NAV_ITEMS: list = [
    NavItem("Catalog", "catalog", (C.SUBMIT, C.READ_FEED, C.READ_AUDIT), order=60),
    NavItem(
        "Policy", "policy-versions", (C.DRAFT_POLICY, C.APPROVE_POLICY, C.READ_AUDIT), order=70
    ),
    NavItem("Policy in force", "policy-in-force", (C.READ_AUDIT,), order=71),
    NavItem("Overrides", "org-overrides", (C.SET_OVERRIDE,), order=72),
    NavItem("API tokens", "api-tokens", (C.MANAGE_ORG,), order=90),
]


def dashboard_panels(user) -> list[dict]:
    """Offer counsel the number of policy versions waiting for their decision."""
    if not can(user, C.APPROVE_POLICY):
        return []
    waiting = (
        PolicyVersion.objects.filter(status=PolicyStatus.PENDING_APPROVAL)
        .exclude(drafted_by=user)
        .count()
    )
    return [
        {
            "title": "Policy versions awaiting your approval",
            "count": waiting,
            "url": reverse("policy-versions"),
        }
    ]
