"""Template context: the acting user's memberships and the navigation they may use."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from governance.navigation_registry import all_items
from governance.permissions import capabilities, memberships


def active_url(path: str, urls: list[str]) -> str | None:
    """Return the one URL the navigation highlights for `path`: the longest that prefixes it.

    The dashboard (`/`) prefixes every path, so it is highlighted only on itself.
    """
    matches = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    return max(matches, key=len) if matches else None


def navigation_entries(items: list[dict], path: str) -> list[dict]:
    """Group `items` ({label, url, section}) into top-level links and section menus.

    Each entry is `{label, url, active}` or `{section, items, active}`; exactly one link (and
    the menu holding it) is active when the path belongs to a page of the navigation.
    """
    current = active_url(path, [item["url"] for item in items])
    entries: list[dict] = []
    sections: dict[str, dict] = {}
    for item in items:
        link = {"label": item["label"], "url": item["url"], "active": item["url"] == current}
        section = item.get("section") or ""
        if not section:
            entries.append(link)
            continue
        if section not in sections:
            sections[section] = {"section": section, "items": [], "active": False}
            entries.append(sections[section])
        sections[section]["items"].append(link)
        sections[section]["active"] = sections[section]["active"] or link["active"]
    return entries


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": [], "user_memberships": []}
    held = capabilities(user)
    items = [{"label": "Dashboard", "url": reverse("dashboard"), "section": ""}]
    for item in all_items():
        if not any(cap in held for cap in item.capabilities):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "section": item.section})
    return {
        "nav_entries": navigation_entries(items, request.path),
        "user_memberships": memberships(user),
    }
