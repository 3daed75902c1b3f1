"""Membership pages in the navigation, counsel's inbox of applications and documents."""

from __future__ import annotations

from django.urls import reverse

from governance.navigation_registry import NavItem
from governance.roles import Capability as C
from membership.models import ApplicationState, MembershipApplication
from membership.selectors.applications import may_decide, waiting_count
from membership.selectors.documents import pending_for

INBOX_LIMIT = 10

NAV_ITEMS: list = [
    NavItem(
        "Applications", "membership-applications", (C.APPROVE_POLICY,), order=74, section="Policy"
    ),
    NavItem("Members", "membership-organizations", (C.APPROVE_POLICY,), order=75, section="Policy"),
    NavItem(
        "Criteria and charter",
        "membership-documents",
        (C.APPROVE_POLICY, C.READ_AUDIT),
        order=76,
        section="Policy",
    ),
    NavItem(
        "Charter acceptances", "charter-acceptances", (C.READ_AUDIT,), order=77, section="Policy"
    ),
    NavItem("People", "membership-people", (C.MANAGE_ORG,), order=89, section="Settings"),
]


def inbox(user) -> list[dict]:
    """Return the applications and document versions waiting for this counsel's decision."""
    if not may_decide(user):
        return []
    items = [
        {
            "kind": "Application to decide",
            "label": application.organization_name,
            "url": reverse("membership-application", args=[application.pk]),
            "due": None,
        }
        for application in MembershipApplication.objects.filter(
            state=ApplicationState.SUBMITTED
        ).order_by("submitted_at")[:INBOX_LIMIT]
    ]
    items += [
        {
            "kind": "Document to approve",
            "label": f"{version.get_kind_display()} v{version.number}",
            "url": reverse("membership-document", args=[version.pk]),
            "due": None,
        }
        for version in pending_for(user).order_by("id")[:INBOX_LIMIT]
    ]
    return items


def dashboard_panels(user) -> list[dict]:
    """Offer counsel the number of applications waiting for a decision."""
    if not may_decide(user):
        return []
    return [
        {
            "title": "Membership applications awaiting a decision",
            "count": waiting_count(user),
            "url": reverse("membership-applications"),
        }
    ]
