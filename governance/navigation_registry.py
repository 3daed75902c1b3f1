"""Navigation entries: each app lists its pages in `<app>/navigation.py` as NAV_ITEMS.

An entry is shown only to users holding its capability, so each role sees what it can do and
nothing else; an app adds a link here only when the page behind it works. Entries with a
`section` are grouped under a menu of that name (a `<details>` element: it opens without
JavaScript), so counsel's dozen pages fit on one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

NAV_APPS = ("governance", "sharing", "audit", "membership", "identity")


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capabilities: tuple[str, ...]  # any one of them shows the entry
    order: int = 100
    # Items sharing a section are grouped under one menu, so the bar stays on one line.
    section: str = ""


def app_module(app: str, name: str):
    """Return the module `<app>.<name>`, or None when the app has no such module."""
    try:
        return import_module(f"{app}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{app}.{name}":
            return None
        raise


def all_items() -> list[NavItem]:
    """Return every app's navigation entries in display order."""
    items: list[NavItem] = []
    for app in NAV_APPS:
        module = app_module(app, "navigation")
        if module is None:
            continue
        items.extend(getattr(module, "NAV_ITEMS", []))
    return sorted(items, key=lambda item: (item.order, item.label))


def dashboard_panels(user) -> list[dict]:
    """Return the dashboard panels every app offers this user: `{title, count, url}`."""
    panels: list[dict] = []
    for app in NAV_APPS:
        module = app_module(app, "navigation")
        if module is None:
            continue
        provider = getattr(module, "dashboard_panels", None)
        if provider is not None:
            panels.extend(provider(user))
    return panels


def inbox_items(user) -> list[dict]:
    """Return what waits for this user, from every app's `inbox(user)`, soonest due first.

    Each item is `{kind, label, url, due}`; `due` is a datetime or None (undated items follow
    the dated ones, in the order the apps gave them).
    """
    items: list[dict] = []
    for app in NAV_APPS:
        module = app_module(app, "navigation")
        provider = getattr(module, "inbox", None) if module is not None else None
        if provider is not None:
            items.extend(provider(user))
    dated = sorted((i for i in items if i.get("due")), key=lambda i: i["due"])
    return dated + [i for i in items if not i.get("due")]
