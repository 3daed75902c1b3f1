"""Search and pivot over the published feed and the submission list, scoped to the actor.

Matching runs on the JSON text of the *redacted* payload only (a cast both PostgreSQL and
SQLite support), with the published forms of the query from `sharing.core.search.needles`.
"""

from __future__ import annotations

import operator
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from sharing.core.search import needles
from sharing.keys import pseudonym_key
from sharing.models import SharedIndicator, Submission
from sharing.selectors.indicators import indicator_list
from sharing.selectors.submissions import submission_list

# Sort keys a page may ask for -> the ordering (a stable tie-break last). "-key" reverses.
INDICATOR_SORTS = {
    "published": ("published_at", "id"),
    "type": ("indicator_type__name", "published_at", "id"),
    "tlp": ("tlp", "published_at", "id"),
}
SUBMISSION_SORTS = {
    "submitted": ("created_at", "id"),
    "type": ("indicator_type__name", "created_at", "id"),
    "state": ("state", "created_at", "id"),
}


def _ordering(sort: str, sorts: dict[str, tuple[str, ...]], default: str) -> list[str]:
    descending = sort.startswith("-")
    fields = sorts.get(sort.removeprefix("-")) or sorts[default.removeprefix("-")]
    if sort.removeprefix("-") not in sorts:
        descending = default.startswith("-")
    return [f"-{f}" if descending else f for f in fields]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _text_match(qs: QuerySet, field: str, query: str) -> QuerySet:
    """Keep the rows whose `field` (redacted JSON) carries `query` in a published form."""
    found = needles(query, [pseudonym_key()])
    if not found:
        return qs
    qs = qs.annotate(_search_text=Cast(field, output_field=TextField()))
    return qs.filter(reduce(operator.or_, (Q(_search_text__icontains=n) for n in found)))


def _dates(qs: QuerySet, field: str, filters: dict[str, Any]) -> QuerySet:
    if filters.get("date_from"):
        qs = qs.filter(**{f"{field}__gte": _day_start(filters["date_from"])})
    if filters.get("date_to"):
        # The whole last day: before the next midnight.
        qs = qs.filter(**{f"{field}__lt": _day_start(filters["date_to"]) + timedelta(days=1)})
    return qs


def indicator_search(
    *, actor, filters: dict[str, Any], sort: str = "-published", acknowledged: set | None = None
) -> QuerySet[SharedIndicator]:
    """Return the indicators the actor may read that match `filters`, in `sort` order.

    Filters: `type` (type key), `tlp`, `date_from`/`date_to` (dates, inclusive, on the
    publication date), `q` (free text or an observable value, matched in published forms).
    """
    qs = indicator_list(
        actor=actor,
        filters={"type": filters.get("type"), "tlp": filters.get("tlp")},
        acknowledged=acknowledged,
    )
    qs = _dates(qs, "published_at", filters)
    if filters.get("q"):
        qs = _text_match(qs, "redacted_payload", filters["q"])
    return qs.order_by(*_ordering(sort, INDICATOR_SORTS, "-published"))


def submission_search(
    *, actor, filters: dict[str, Any], sort: str = "-submitted"
) -> QuerySet[Submission]:
    """Return the actor's organizations' submissions matching `filters`, in `sort` order.

    Filters: `type`, `state`, `tlp`, `date_from`/`date_to` (submission date), `q` (matched in
    the redacted form, as the feed does: the search box never reads the original).
    """
    qs = submission_list(
        actor=actor, filters={"type": filters.get("type"), "state": filters.get("state")}
    )
    if filters.get("tlp"):
        qs = qs.filter(tlp=filters["tlp"])
    qs = _dates(qs, "created_at", filters)
    if filters.get("q"):
        qs = _text_match(qs, "redacted_payload", filters["q"])
    return qs.order_by(*_ordering(sort, SUBMISSION_SORTS, "-submitted"))
