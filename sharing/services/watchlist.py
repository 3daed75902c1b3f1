"""A member's private watchlist: terms are hashed with the forum's watchlist key and never kept."""

from __future__ import annotations

from django.db import transaction

from audit import actions
from audit.actors import Actor
from audit.services.log import audit_record
from config.errors import NotFound, ValidationFailed
from governance.models import Organization
from governance.permissions import organizations_with, require
from governance.roles import Capability
from sharing.core.scanning import CATEGORIES, Watchlist, normalize_term, watchlist_term_hash
from sharing.keys import watchlist_key
from sharing.models import WatchlistTerm

HASH_PREFIX_LENGTH = 12
KEY_ID = "watchlist-v1"


def watchlist_for(*, organization: Organization) -> Watchlist:
    """Return the organization's watchlist for the scanner (hashes and categories only)."""
    entries = dict(
        WatchlistTerm.objects.filter(organization=organization).values_list("term_hash", "category")
    )
    return Watchlist(watchlist_key(), entries)


def _check(term: str, category: str) -> None:
    errors = []
    if not isinstance(term, str) or not normalize_term(term):
        errors.append({"field": "term", "message": "must contain at least one word"})
    elif len(normalize_term(term).split()) > 4:
        errors.append({"field": "term", "message": "may have at most 4 words"})
    if category not in CATEGORIES:
        errors.append({"field": "category", "message": f"must be one of {', '.join(CATEGORIES)}"})
    if errors:
        raise ValidationFailed("Invalid watchlist term.", errors=errors)


@transaction.atomic
def watchlist_term_add(
    *, actor, organization: Organization, term: str, category: str
) -> WatchlistTerm:
    """Add `term` to the organization's watchlist as a keyed hash; return the (existing) row.

    People add terms as member admins of the organization; `manage.py add_watchlist_term`
    acts as the system.
    """
    if not isinstance(actor, Actor):
        require(actor, Capability.MANAGE_WATCHLIST, organization)
    _check(term, category)
    term_hash = watchlist_term_hash(term, watchlist_key())
    row, created = WatchlistTerm.objects.get_or_create(
        organization=organization,
        term_hash=term_hash,
        defaults={
            "category": category,
            "key_id": KEY_ID,
            "created_by": None if isinstance(actor, Actor) else actor,
        },
    )
    if created:
        audit_record(
            actor=actor,
            action=actions.WATCHLIST_TERM_ADDED,
            obj=row,
            organization=organization,
            data={"term_hash_prefix": term_hash[:HASH_PREFIX_LENGTH], "category": category},
        )
    return row


@transaction.atomic
def watchlist_term_remove(*, actor, term: WatchlistTerm) -> None:
    """Remove one term from its organization's watchlist."""
    manageable = {o.pk for o in organizations_with(actor, Capability.MANAGE_WATCHLIST)}
    locked = WatchlistTerm.objects.select_for_update().filter(pk=term.pk).first()
    if locked is None or locked.organization_id not in manageable:
        raise NotFound("No such watchlist term.")
    audit_record(
        actor=actor,
        action=actions.WATCHLIST_TERM_REMOVED,
        obj=locked,
        organization=locked.organization,
        data={
            "term_hash_prefix": locked.term_hash[:HASH_PREFIX_LENGTH],
            "category": locked.category,
        },
    )
    locked.delete()
