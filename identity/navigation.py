"""Identity pages in the navigation (see governance/navigation_registry.py)."""

from __future__ import annotations

from governance.navigation_registry import NavItem
from governance.roles import Capability as C

NAV_ITEMS: list = [
    NavItem(
        "Single sign-on",
        "identity:org-sso",
        (C.MANAGE_ORG, C.APPROVE_POLICY),
        order=92,
        section="Settings",
    ),
    NavItem(
        "Sign-in security", "identity:org-security", (C.MANAGE_ORG,), order=91, section="Settings"
    ),
]
