"""Every read of the audit app a person sees; only counsel and regulators may read any of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from audit.models import AuditCheckpoint, AuditEvent, AuditExport
from config.errors import NotFound
from governance.models import Organization
from governance.permissions import organizations_with, require
from governance.roles import Capability


@dataclass(frozen=True)
class EventFilters:
    """What the audit browser and the events API filter on (all optional)."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    action: str | None = None
    organization: str | None = None
    actor: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    before_seq: int | None = None


def audit_event_list(*, user, filters: EventFilters | None = None) -> QuerySet[AuditEvent]:
    """Return the events matching `filters`, newest first."""
    require(user, Capability.READ_AUDIT)
    f = filters or EventFilters()
    events = AuditEvent.objects.defer("leaf").order_by("-seq")
    if f.since is not None:
        events = events.filter(recorded_at__gte=f.since)
    if f.until is not None:
        events = events.filter(recorded_at__lte=f.until)
    if f.action:
        events = events.filter(action=f.action)
    if f.organization:
        events = events.filter(actor_org=f.organization)
    if f.actor:
        events = events.filter(actor_username=f.actor)
    if f.object_type:
        events = events.filter(object_type=f.object_type)
    if f.object_id:
        events = events.filter(object_id=f.object_id)
    if f.before_seq is not None:
        events = events.filter(seq__lt=f.before_seq)
    return events


def audit_object_timeline(*, user, object_type: str, object_id: str) -> QuerySet[AuditEvent]:
    """Return every event about one object, oldest first."""
    require(user, Capability.READ_AUDIT)
    return (
        AuditEvent.objects.defer("leaf")
        .filter(object_type=object_type, object_id=object_id)
        .order_by("seq")
    )


def audit_checkpoint_list(*, user) -> QuerySet[AuditCheckpoint]:
    """Return the signed checkpoints, largest first, with their cosignatures."""
    require(user, Capability.READ_AUDIT)
    return AuditCheckpoint.objects.prefetch_related("cosignatures").order_by("-size")


def audit_checkpoint_get(*, user, size: int) -> AuditCheckpoint:
    """Return the checkpoint of `size` events."""
    require(user, Capability.READ_AUDIT)
    checkpoint = AuditCheckpoint.objects.prefetch_related("cosignatures").filter(size=size).first()
    if checkpoint is None:
        raise NotFound(f"There is no checkpoint of size {size}.")
    return checkpoint


def _export_orgs(user) -> list[str]:
    require(user, Capability.READ_AUDIT)
    return [org.slug for org in organizations_with(user, Capability.READ_AUDIT)]


def audit_export_list(*, user) -> QuerySet[AuditExport]:
    """Return the exports of the user's own organization, newest first."""
    return AuditExport.objects.filter(organization_slug__in=_export_orgs(user)).order_by("-id")


def audit_export_get(*, user, export_id: int) -> AuditExport:
    """Return one export of the user's organization (404 for another organization's)."""
    export = AuditExport.objects.filter(
        pk=export_id, organization_slug__in=_export_orgs(user)
    ).first()
    if export is None:
        raise NotFound("There is no such export.")
    return export


def audit_objects_timeline(*, user, objects: list[tuple[str, str]]) -> QuerySet[AuditEvent]:
    """Return every event about any of `objects` ((type, id) pairs), oldest first."""
    require(user, Capability.READ_AUDIT)
    match = Q(pk__in=[])
    for object_type, object_id in objects:
        match |= Q(object_type=object_type, object_id=object_id)
    return AuditEvent.objects.defer("leaf").filter(match).order_by("seq")


def audit_filter_choices(*, user) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the organizations (slug, name) and users (username, display name) to filter on."""
    require(user, Capability.READ_AUDIT)
    orgs = list(Organization.objects.order_by("name").values_list("slug", "name"))
    people = [
        (username, f"{' '.join(filter(None, (first, last)))} ({username})".strip())
        if first or last
        else (username, username)
        for username, first, last in get_user_model()
        .objects.order_by("username")
        .values_list("username", "first_name", "last_name")
    ]
    return orgs, people
