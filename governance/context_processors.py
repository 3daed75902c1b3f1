"""Template context: the acting user's memberships and the navigation they may use."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from governance.navigation_registry import all_items
from governance.permissions import capabilities, memberships


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_memberships": []}
    held = capabilities(user)
    items = []
    for item in all_items():
        if not any(cap in held for cap in item.capabilities):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "label": item.label,
                "url": url,
                "active": request.path.startswith(url),
            }
        )
    return {"nav_items": items, "user_memberships": memberships(user)}
