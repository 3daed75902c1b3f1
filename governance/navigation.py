"""Governance pages in the navigation (see governance/navigation_registry.py)."""

from __future__ import annotations

from django.urls import reverse

from governance.models import PolicyStatus, PolicyVersion
from governance.navigation_registry import NavItem
from governance.permissions import can
from governance.roles import Capability as C

INBOX_LIMIT = 10

NAV_ITEMS: list = [
    NavItem(
        "Catalog", "catalog", (C.SUBMIT, C.READ_FEED, C.READ_AUDIT), order=60, section="Insights"
    ),
    NavItem(
        "Policy versions",
        "policy-versions",
        (C.DRAFT_POLICY, C.APPROVE_POLICY, C.READ_AUDIT),
        order=70,
        section="Policy",
    ),
    NavItem("Policy in force", "policy-in-force", (C.READ_AUDIT,), order=71, section="Policy"),
    NavItem("Overrides", "org-overrides", (C.SET_OVERRIDE,), order=72, section="Policy"),
    NavItem("API tokens", "api-tokens", (C.MANAGE_ORG,), order=90, section="Settings"),
]


def inbox(user) -> list[dict]:
    """Return the policy versions waiting for this counsel's decision (not their own drafts)."""
    if not can(user, C.APPROVE_POLICY):
        return []
    waiting = (
        PolicyVersion.objects.filter(status=PolicyStatus.PENDING_APPROVAL)
        .exclude(drafted_by=user)
        .order_by("id")[:INBOX_LIMIT]
    )
    return [
        {
            "kind": "Policy to approve",
            "label": f"Policy version {version.number}",
            "url": reverse("policy-version-review", args=[version.pk]),
            "due": None,
        }
        for version in waiting
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
