"""Governance pages in the navigation (see governance/navigation_registry.py)."""

NAV_ITEMS: list = []
