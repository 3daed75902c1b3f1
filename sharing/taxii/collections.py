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
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db.models import Q, QuerySet

from governance.models import IndicatorType, Organization, PolicyVersion
from governance.permissions import can, memberships
from governance.roles import ROLE_CAPABILITIES, Capability, OrgKind
from sharing import stix
from sharing.models import SharedIndicator, TaxiiStatus
from sharing.selectors.indicators import indicator_list
from sharing.taxii.envelope import STIX_MEDIA_TYPE, TaxiiError

ALL_COLLECTION_ID = str(uuid.uuid5(stix.NAMESPACE, "collection:all"))
DEFAULT_LIMIT = 100
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
    # An organization's collection is its read grants (its audience and its contributions):
    # one portable subquery, where a JSON `contains` on `audience` ran on PostgreSQL only.
    queryset = indicator_list(actor=actor, filters={}, audience_of=collection.organization)
    return queryset.order_by("modified_at", "id")


# The columns a page reads: exactly what the STIX object, `date_added` and `next` need, as
# tuples instead of model instances with their joined type, policy version, contributor and
# submission (every timestamp and JSON column of those rows was decoded). The type, policy
# version and contributor are read by id afterwards, once per page for the few a page has:
# joining them made planning the page query cost 2 ms, four times its execution.
_PAGE_COLUMNS = (
    "id",
    "stix_id",
    "modified_at",
    "published_at",
    "expires_at",
    "withdrawn_at",
    "anonymized",
    "redacted_payload",
    "redacted_sha256",
    "tlp",
    "pap",
    "rule_path",
    "indicator_type_id",
    "contributor_id",
    "policy_version_id",
    "submission__schema_version",
)


class _Type(NamedTuple):
    key: str
    name: str
    description: str
    stix_pattern: str


class _Contributor(NamedTuple):
    slug: str


class _PolicyVersion(NamedTuple):
    number: int
    content_hash: str


class _Submission(NamedTuple):
    schema_version: int


# Where a page tuple holds the ids resolved once a page.
_TYPE_ID = _PAGE_COLUMNS.index("indicator_type_id")
_CONTRIBUTOR_ID = _PAGE_COLUMNS.index("contributor_id")
_VERSION_ID = _PAGE_COLUMNS.index("policy_version_id")
_ANONYMIZED = _PAGE_COLUMNS.index("anonymized")


class PageRow:
    """One indicator of a page: the attributes of a SharedIndicator that `stix.stix_object`,
    `date_added` and `encode_next` read, and nothing else. `contributor` is None when the
    contributor is anonymized: its slug is not even read then."""

    __slots__ = (
        "pk", "stix_id", "modified_at", "published_at", "expires_at", "withdrawn_at",
        "anonymized", "redacted_payload", "redacted_sha256", "tlp", "pap", "rule_path",
        "indicator_type", "contributor", "policy_version", "submission",
    )  # fmt: skip


class _RowReader:
    """Turn the page's tuples into PageRows. The types, policy versions and contributors of a
    page are read with one query each (only those not read for an earlier batch), and each
    is built once."""

    def __init__(self) -> None:
        self.types: dict[int, _Type] = {}
        self.versions: dict[int, _PolicyVersion] = {}
        self.contributors: dict[int, _Contributor] = {}

    def _resolve(self, batch: list[tuple]) -> None:
        type_ids = {values[_TYPE_ID] for values in batch} - self.types.keys()
        if type_ids:
            fields = ("pk", "key", "name", "description", "stix_pattern")
            for pk, *attrs in IndicatorType.objects.filter(pk__in=type_ids).values_list(*fields):
                self.types[pk] = _Type(*attrs)
        version_ids = {values[_VERSION_ID] for values in batch} - self.versions.keys()
        if version_ids:
            fields = ("pk", "number", "content_hash")
            for pk, *attrs in PolicyVersion.objects.filter(pk__in=version_ids).values_list(*fields):
                self.versions[pk] = _PolicyVersion(*attrs)
        org_ids = {
            values[_CONTRIBUTOR_ID] for values in batch if not values[_ANONYMIZED]
        } - self.contributors.keys()
        if org_ids:
            for pk, slug in Organization.objects.filter(pk__in=org_ids).values_list("pk", "slug"):
                self.contributors[pk] = _Contributor(slug)

    def read(self, batch: list[tuple]) -> list[PageRow]:
        self._resolve(batch)
        rows = []
        for values in batch:
            (pk, stix_id, modified_at, published_at, expires_at, withdrawn_at, anonymized,
             redacted_payload, redacted_sha256, tlp, pap, rule_path, type_id, contributor_id,
             version_id, schema_version) = values  # fmt: skip
            row = PageRow()
            row.pk, row.stix_id, row.anonymized = pk, stix_id, anonymized
            row.modified_at, row.published_at = modified_at, published_at
            row.expires_at, row.withdrawn_at = expires_at, withdrawn_at
            row.redacted_payload, row.redacted_sha256 = redacted_payload, redacted_sha256
            row.tlp, row.pap, row.rule_path = tlp, pap, rule_path
            row.indicator_type = self.types[type_id]
            row.policy_version = self.versions[version_id]
            row.contributor = None if anonymized else self.contributors[contributor_id]
            row.submission = _Submission(schema_version)
            rows.append(row)
        return rows


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


def encode_next(indicator: SharedIndicator | PageRow) -> str:
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


def _any_version(versions: tuple[str, ...]) -> bool:
    # Only the current version of an indicator is kept, so it is its first, last and all.
    return any(v in ("last", "first", "all") for v in versions)


def _version_matches(obj_version: str, versions: tuple[str, ...]) -> bool:
    if _any_version(versions):
        return True
    return any(
        _parse_timestamp(v, "match[version]") == _parse_timestamp(obj_version, "v")
        for v in versions
    )


def _uuid_part(stix_id: str) -> str:
    return stix_id.split("--", 1)[-1]


def served_moment(moment: datetime) -> datetime:
    """Return `moment` at the precision TAXII serves it (`date_added`: milliseconds)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _rows(queryset: QuerySet[SharedIndicator], filters: ObjectFilters) -> Iterator[PageRow]:
    if filters.added_after is not None:
        # Strictly after at the precision served: an object whose `date_added` (milliseconds)
        # equals `added_after` was already delivered, even if it was stored with microseconds.
        # So a client that polls with the last X-TAXII-Date-Added-Last never gets it again.
        first_later = served_moment(filters.added_after) + timedelta(milliseconds=1)
        queryset = queryset.filter(modified_at__gte=first_later)
    if filters.ids:
        queryset = queryset.filter(stix_id__in=[f"indicator--{_uuid_part(i)}" for i in filters.ids])
    queryset = queryset.values_list(*_PAGE_COLUMNS)
    reader = _RowReader()
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
        batch = reader.read(list(page[:scan_batch]))
        yield from batch
        if len(batch) < scan_batch:
            return
        cursor = (batch[-1].modified_at, batch[-1].pk)


@dataclass(frozen=True)
class ObjectPage:
    items: list[tuple[PageRow, dict]]
    more: bool
    next: str | None


def object_page(
    queryset: QuerySet[SharedIndicator], filters: ObjectFilters, *, paged: bool = True
) -> ObjectPage:
    """Return one page of (row, STIX object) pairs matching the filters, keyset-paged.

    The STIX objects share their rows' payloads: serialise them, do not change them.
    """
    items: list[tuple[PageRow, dict]] = []
    more = False
    any_version = _any_version(filters.versions)  # the default (`last`): no check per object
    for indicator in _rows(queryset, filters):
        obj = stix.stix_object(indicator)
        if filters.ids and obj["id"] not in filters.ids:
            continue
        if filters.types and obj["type"] not in filters.types:
            continue
        if not any_version and not _version_matches(obj["modified"], filters.versions):
            continue
        if paged and len(items) == filters.limit:
            more = True
            _end_on_a_served_moment(items, following=indicator)
            break
        items.append((indicator, obj))
    next_token = encode_next(items[-1][0]) if more and items else None
    return ObjectPage(items=items, more=more, next=next_token)


def _end_on_a_served_moment(items: list[tuple[PageRow, dict]], *, following: PageRow) -> None:
    """Drop the page's last objects that share their served `date_added` with the first object
    left for the next page, unless that empties the page.

    A client may resume with `added_after` = the page's X-TAXII-Date-Added-Last instead of
    `next`; objects after that moment are then all still to come, none skipped.
    """
    boundary = served_moment(following.modified_at)
    keep = len(items)
    while keep and served_moment(items[keep - 1][0].modified_at) == boundary:
        keep -= 1
    if keep:
        del items[keep:]


def date_added(indicator: SharedIndicator | PageRow) -> str:
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
