"""Reads of published indicators, scoped to what the acting user's organizations may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet, Subquery

from config.errors import AccessDenied, NotFound
from governance.models import Organization
from governance.permissions import can, is_oversight, memberships, organizations_with
from governance.roles import Capability
from sharing.models import (
    MarkingAcknowledgement,
    SharedIndicator,
    SharedIndicatorGroupObjectPermission,
)

VIEW_CODENAME = "view_sharedindicator"


def _readable_by(orgs) -> QuerySet:
    """Return the ids of the indicators the organizations' read grants cover (a subquery)."""
    # The guardian direct foreign-key table decides the audience, in SQL. The permission is
    # matched by id (an init plan), not joined by codename: the join made PostgreSQL expect a
    # handful of permitted rows, hash them all and sort the whole feed on every page.
    view_permission = (
        Permission.objects.filter(codename=VIEW_CODENAME, content_type__app_label="sharing")
        .order_by()  # one row; Permission's default ordering only added a sort and SQL to build
        .values("pk")[:1]
    )
    return SharedIndicatorGroupObjectPermission.objects.filter(
        group_id__in=[org.group_id for org in orgs], permission_id=Subquery(view_permission)
    ).values("content_object_id")


def _scope(actor, audience_of: Organization | None = None) -> QuerySet[SharedIndicator]:
    base = SharedIndicator.objects.select_related("indicator_type", "contributor")
    if is_oversight(actor):
        return base if audience_of is None else base.filter(pk__in=_readable_by([audience_of]))
    orgs = organizations_with(actor, Capability.READ_FEED)
    if not orgs:
        raise AccessDenied("You are not allowed to read published indicators.")
    if audience_of is not None:
        if audience_of.pk not in {org.pk for org in orgs}:
            raise AccessDenied("You are not allowed to read this organization's indicators.")
        orgs = [audience_of]
    return base.filter(pk__in=_readable_by(orgs), expired_at__isnull=True)


def acknowledged_markings(actor) -> set[str]:
    """Return the markings whose handling terms `actor` accepted."""
    return set(MarkingAcknowledgement.objects.filter(user=actor).values_list("marking", flat=True))


def pending_markings(*, actor, acknowledged: set[str] | None = None) -> list[str]:
    """Return the markings in the actor's scope whose terms they have not yet accepted.

    `acknowledged`: the actor's `acknowledged_markings`, when the caller already read them.
    """
    if acknowledged is None:
        acknowledged = acknowledged_markings(actor)
    # Only rows with a marking not yet accepted can add to the answer. Filtering them on the
    # table first lets PostgreSQL skip the audience check for every other row (the usual case
    # is none left; docs/performance.md). It still reads the whole scope.
    tlps, paps = _levels(acknowledged)
    seen = (
        _scope(actor)
        .exclude(tlp__in=tlps, pap__in=paps)
        .order_by()
        .values_list("tlp", "pap")
        .distinct()
    )
    needed = {f"TLP:{tlp}" for tlp, _ in seen} | {f"PAP:{pap}" for _, pap in seen}
    return sorted(needed - acknowledged)


def _levels(acknowledged: set[str]) -> tuple[list[str], list[str]]:
    tlps = [m.removeprefix("TLP:") for m in acknowledged if m.startswith("TLP:")]
    paps = [m.removeprefix("PAP:") for m in acknowledged if m.startswith("PAP:")]
    return tlps, paps


def _acknowledged_only(qs: QuerySet[SharedIndicator], acknowledged: set[str]):
    tlps, paps = _levels(acknowledged)
    return qs.filter(tlp__in=tlps, pap__in=paps)


def indicator_list(
    *,
    actor,
    filters: dict[str, Any] | None = None,
    acknowledged: set[str] | None = None,
    audience_of: Organization | None = None,
) -> QuerySet[SharedIndicator]:
    """Return the indicators the actor may read under markings they acknowledged, newest first.

    Filters: `type` (indicator type key), `tlp`, `published_after` (datetime).
    `acknowledged`: the actor's `acknowledged_markings`, when the caller already read them in
    this request (never from an earlier one: an acknowledgement can change in between).
    `audience_of`: only what one of the actor's organizations may read (what was published to
    it and what it contributed: its read grants, `publication.reader_groups`).
    """
    filters = filters or {}
    if acknowledged is None:
        acknowledged = acknowledged_markings(actor)
    qs = _acknowledged_only(_scope(actor, audience_of), acknowledged)
    if filters.get("type"):
        qs = qs.filter(indicator_type__key=filters["type"])
    if filters.get("tlp"):
        qs = qs.filter(tlp=str(filters["tlp"]).upper())
    published_after: datetime | None = filters.get("published_after")
    if published_after:
        qs = qs.filter(published_at__gt=published_after)
    return qs.order_by("-published_at", "-id")


def indicator_get(*, actor, pk) -> SharedIndicator:
    """Return one indicator the actor may read; 404 outside its audience."""
    indicator = _scope(actor).filter(pk=pk).first()
    if indicator is None:
        raise NotFound("No such indicator.")
    missing = sorted(
        {f"TLP:{indicator.tlp}", f"PAP:{indicator.pap}"} - acknowledged_markings(actor)
    )
    if missing:
        raise AccessDenied(
            "Accept the handling terms of this indicator's markings first.",
            code="marking_not_acknowledged",
            extra={"markings": missing},
        )
    return indicator


def indicator_for_hold(*, actor, pk) -> SharedIndicator:
    """Return an indicator for a legal-hold decision: in scope, markings not required.

    Placing a hold preserves evidence; it discloses nothing of the payload, so the reading
    gate (acknowledged markings) does not apply. 404 outside the actor's scope.
    """
    indicator = _scope(actor).select_related("submission").filter(pk=pk).first()
    if indicator is None:
        raise NotFound("No such indicator.")
    return indicator


def contributor_visible(*, actor, indicator: SharedIndicator) -> bool:
    """Return True when the actor may learn which member contributed `indicator`."""
    if not indicator.anonymized or is_oversight(actor):
        return True
    return any(m.organization_id == indicator.contributor_id for m in memberships(actor))


def contributor_for(*, actor, indicator: SharedIndicator) -> Organization | None:
    """Return the contributor the actor may see, or None when it is hidden from them."""
    return indicator.contributor if contributor_visible(actor=actor, indicator=indicator) else None


def may_withdraw(*, actor, indicator: SharedIndicator) -> bool:
    """Return True when the actor may withdraw `indicator` (contributor's submitters, counsel)."""
    if indicator.withdrawn_at is not None or indicator.expired_at is not None:
        return False
    return can(actor, Capability.SUBMIT, indicator.contributor) or can(
        actor, Capability.PLACE_LEGAL_HOLD
    )


def recall_list(*, actor) -> QuerySet[SharedIndicator]:
    """Return live indicators flagged for recall or re-redaction (counsel): those the policy in
    force would no longer publish as they stand, and those a newer detector flags."""
    if not can(actor, Capability.PLACE_LEGAL_HOLD):
        raise AccessDenied("Only counsel see the recall list.")
    return (
        SharedIndicator.objects.select_related("indicator_type", "contributor", "submission")
        .filter(~Q(recall_reason="") | ~Q(recall_flags=[]))
        .filter(withdrawn_at__isnull=True, expired_at__isnull=True)
        .order_by("published_at", "id")
    )
