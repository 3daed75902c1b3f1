"""Reads on the indicator-type catalog (visible to every forum participant)."""

from __future__ import annotations

from django.db.models import QuerySet

from config.errors import AccessDenied, NotFound
from governance.models import IndicatorType
from governance.permissions import memberships


def _require_member_of_forum(actor) -> None:
    if not memberships(actor):
        raise AccessDenied("You need a role in an organization to see this.")


def indicator_type_list(*, actor) -> QuerySet[IndicatorType]:
    """Return the active indicator types (the catalog is visible to every forum participant)."""
    _require_member_of_forum(actor)
    return IndicatorType.objects.filter(is_active=True).order_by("name")


def indicator_type_get(*, actor, key: str) -> IndicatorType:
    """Return the active indicator type `key`."""
    found = indicator_type_list(actor=actor).filter(key=key).first()
    if found is None:
        raise NotFound(f"No indicator type {key!r}.")
    return found


def catalog_types() -> QuerySet[IndicatorType]:
    """Return the active indicator types (for rendering rules against the catalog)."""
    return IndicatorType.objects.filter(is_active=True).order_by("name")


def catalog_fields(*, types=None) -> dict[str, list[dict]]:
    """Return {type key: field specs} of the active catalog (the shape policy validation takes)."""
    rows = types if types is not None else IndicatorType.objects.filter(is_active=True)
    return {t.key: t.fields for t in rows}
