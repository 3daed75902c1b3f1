"""Navigation entries: each app lists its pages in `<app>/navigation.py` as NAV_ITEMS.

An entry is shown only to users holding its capability, so each role sees what it can do and
nothing else; an app adds a link here only when the page behind it works.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

NAV_APPS = ("governance", "sharing", "audit")


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capabilities: tuple[str, ...]  # any one of them shows the entry
    order: int = 100


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
