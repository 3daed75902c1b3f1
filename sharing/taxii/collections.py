"""TAXII collections and the objects a caller may read in them.

A collection is an audience the caller belongs to: one per organization of the caller that may
read the feed ("Shared with <org>": what is published to that organization, and what it
contributed), writable by those who may submit for it; and "All published indicators" for
oversight roles (counsel, regulators), read-only and in redacted form like everything else.
Every read starts from the sharing selector `indicator_list`, the one scoping of what a caller
may see; a collection only narrows it.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from governance.models import Organization
from governance.permissions import can, memberships
from governance.roles import ROLE_CAPABILITIES, Capability, OrgKind
from sharing import stix
from sharing.models import SharedIndicator, TaxiiStatus
from sharing.selectors.indicators import indicator_list
from sharing.taxii.envelope import STIX_MEDIA_TYPE, TaxiiError

ALL_COLLECTION_ID = str(uuid.uuid5(stix.NAMESPACE, "collection:all"))
DEFAULT_LIMIT = 100
# Large columns of the joined rows that no STIX object reads: the submission's payloads, the
# whole policy of the version, the type's field specs. Decoding them was most of a page's time.
_UNREAD = (
    *(f"submission__{name}" for name in ("payload", "redacted_payload", "redaction_report")),
    *(f"submission__{name}" for name in ("flags", "rule")),
    "policy_version__rules",
    "policy_version__type_schema_versions",
    "indicator_type__fields",
    "indicator_type__legitimate_interest",
)
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    can_read: bool
    can_write: bool
    organization: Organization | None  # None: every published indicator (oversight)

    def resource(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "can_read": self.can_read,
            "can_write": self.can_write,
            "media_types": [STIX_MEDIA_TYPE],
        }


def collection_id_for(organization: Organization) -> str:
    """Return the stable collection id of an organization's audience."""
    return str(uuid.uuid5(stix.NAMESPACE, f"collection:{organization.slug}"))


def collection_list(*, actor) -> list[Collection]:
    """Return the collections of the caller, with its read and write rights in each."""
    found: list[Collection] = []
    for membership in memberships(actor):
        capabilities = ROLE_CAPABILITIES.get(membership.role, frozenset())
        org = membership.organization
        can_read = Capability.READ_FEED in capabilities
        can_write = Capability.SUBMIT in capabilities and org.kind == OrgKind.MEMBER
        if not (can_read or can_write):
            continue
        found.append(
            Collection(
                id=collection_id_for(org),
                title=f"Shared with {org.name}",
                description=(
                    f"Indicators published to {org.name}, and those it contributed. "
                    "Post here to submit indicators for review."
                    if can_write
                    else f"Indicators published to {org.name}, and those it contributed."
                ),
                can_read=can_read,
                can_write=can_write,
                organization=org,
            )
        )
    if can(actor, Capability.READ_ALL_PUBLISHED):
        found.append(
            Collection(
                id=ALL_COLLECTION_ID,
                title="All published indicators",
                description="Every published indicator, in redacted form (oversight).",
                can_read=True,
                can_write=False,
                organization=None,
            )
        )
    return found


def collection_get(*, actor, collection_id: str) -> Collection:
    """Return one of the caller's collections; 404 for any other id."""
    for collection in collection_list(actor=actor):
        if collection.id == collection_id:
            return collection
    raise TaxiiError(404, "Collection not found", "No collection with this id is available.")


def readable(collection: Collection) -> Collection:
    """Return the collection if the caller may read it; 403 otherwise (it is listed)."""
    if not collection.can_read:
        raise TaxiiError(403, "Forbidden", "You may not read this collection.")
    return collection


def collection_indicators(*, actor, collection: Collection) -> QuerySet[SharedIndicator]:
    """Return the indicators of a collection, as scoped for the caller by the selector."""
    queryset = indicator_list(actor=actor, filters={})
    if collection.organization is not None:
        org = collection.organization
        queryset = queryset.filter(Q(audience__contains=[org.slug]) | Q(contributor=org))
    return (
        queryset.select_related("indicator_type", "contributor", "policy_version", "submission")
        .defer(*_UNREAD)
        .order_by("modified_at", "id")
    )


# --------------------------------------------------------------------------------------------
# Filters and keyset pagination (the date a version was added is its `modified_at`)


@dataclass(frozen=True)
class ObjectFilters:
    added_after: datetime | None
    ids: frozenset[str]
    types: frozenset[str]
    versions: tuple[str, ...]
    limit: int
    after: tuple[datetime, uuid.UUID] | None


def _parse_timestamp(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TaxiiError(400, "Bad filter", f"`{name}` must be a STIX timestamp.") from None
    if moment.tzinfo is None:
        raise TaxiiError(400, "Bad filter", f"`{name}` must be in UTC (end with Z).")
    return moment


def encode_next(indicator: SharedIndicator) -> str:
    """Return the opaque `next` token that resumes after `indicator`."""
    raw = f"{indicator.modified_at.isoformat()}|{indicator.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_next(token: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        moment, _, pk = raw.partition("|")
        return datetime.fromisoformat(moment), uuid.UUID(pk)
    except (ValueError, UnicodeDecodeError):
        raise TaxiiError(400, "Bad next", "`next` is not a token this server issued.") from None


def _split(value: str) -> frozenset[str]:
    return frozenset(item.strip() for item in value.split(",") if item.strip())


def parse_filters(params, *, paged: bool = True) -> ObjectFilters:
    """Return the filters of a TAXII request's query string; raise 400 on bad values."""
    limit = DEFAULT_LIMIT
    if paged and params.get("limit"):
        try:
            limit = int(params["limit"])
        except ValueError:
            raise TaxiiError(400, "Bad limit", "`limit` must be a positive integer.") from None
        if limit < 1:
            raise TaxiiError(400, "Bad limit", "`limit` must be a positive integer.")
        limit = min(limit, MAX_LIMIT)
    added_after = params.get("added_after")
    versions = tuple(sorted(_split(params.get("match[version]", "")))) or ("last",)
    for version in versions:
        if version not in ("last", "first", "all"):
            _parse_timestamp(version, "match[version]")
    return ObjectFilters(
        added_after=_parse_timestamp(added_after, "added_after") if added_after else None,
        ids=_split(params.get("match[id]", "")),
        types=_split(params.get("match[type]", "")),
        versions=versions,
        limit=limit,
        after=_decode_next(params["next"]) if paged and params.get("next") else None,
    )


def _version_matches(obj_version: str, versions: tuple[str, ...]) -> bool:
    # Only the current version of an indicator is kept, so it is its first, last and all.
    if any(v in ("last", "first", "all") for v in versions):
        return True
    return any(
        _parse_timestamp(v, "match[version]") == _parse_timestamp(obj_version, "v")
        for v in versions
    )


def _uuid_part(stix_id: str) -> str:
    return stix_id.split("--", 1)[-1]


def _rows(queryset: QuerySet[SharedIndicator], filters: ObjectFilters) -> Iterator:
    if filters.added_after is not None:
        queryset = queryset.filter(modified_at__gt=filters.added_after)
    if filters.ids:
        queryset = queryset.filter(stix_id__in=[f"indicator--{_uuid_part(i)}" for i in filters.ids])
    # One more row than a page tells whether there is a next page, in one query when no
    # post-filter drops rows.
    scan_batch = filters.limit + 1
    cursor = filters.after
    while True:
        page = queryset
        if cursor is not None:
            moment, pk = cursor
            # `modified_at >= moment` bounds the index range scan; the OR alone does not.
            page = page.filter(
                Q(modified_at__gte=moment),
                Q(modified_at__gt=moment) | Q(modified_at=moment, id__gt=pk),
            )
        batch = list(page[:scan_batch])
        yield from batch
        if len(batch) < scan_batch:
            return
        cursor = (batch[-1].modified_at, batch[-1].pk)


@dataclass(frozen=True)
class ObjectPage:
    items: list[tuple[SharedIndicator, dict]]
    more: bool
    next: str | None


def object_page(
    queryset: QuerySet[SharedIndicator], filters: ObjectFilters, *, paged: bool = True
) -> ObjectPage:
    """Return one page of (indicator, STIX object) pairs matching the filters, keyset-paged."""
    items: list[tuple[SharedIndicator, dict]] = []
    more = False
    for indicator in _rows(queryset, filters):
        obj = stix.indicator_to_stix(indicator)
        if filters.ids and obj["id"] not in filters.ids:
            continue
        if filters.types and obj["type"] not in filters.types:
            continue
        if not _version_matches(obj["modified"], filters.versions):
            continue
        if paged and len(items) == filters.limit:
            more = True
            break
        items.append((indicator, obj))
    next_token = encode_next(items[-1][0]) if more and items else None
    return ObjectPage(items=items, more=more, next=next_token)


def date_added(indicator: SharedIndicator) -> str:
    """Return the TAXII `date_added` of the indicator's current version."""
    return stix.stix_timestamp(indicator.modified_at)


def status_get(*, actor, status_id: str) -> TaxiiStatus:
    """Return a status resource of the caller's organization; 404 for any other."""
    try:
        pk = uuid.UUID(status_id)
    except ValueError:
        raise TaxiiError(404, "Status not found") from None
    org_ids = [m.organization_id for m in memberships(actor)]
    status = TaxiiStatus.objects.filter(pk=pk, organization_id__in=org_ids).first()
    if status is None:
        raise TaxiiError(404, "Status not found", "No status with this id is available.")
    return status
