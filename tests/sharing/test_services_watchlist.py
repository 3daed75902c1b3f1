"""Private watchlists: only keyed hashes are stored, by the service, the command and the page."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from audit.models import AuditEvent
from config.errors import AccessDenied, NotFound, ValidationFailed
from sharing.core.scanning import watchlist_term_hash
from sharing.keys import watchlist_key
from sharing.models import WatchlistTerm
from sharing.services.watchlist import watchlist_term_add, watchlist_term_remove

TERM = "Contoso Pharmaceuticals"


def database_contains(text: str) -> bool:
    """Return True when any text column of any sharing or audit row holds `text`."""
    needle = f"%{text.lower()}%"
    with connection.cursor() as cursor:
        for table in ("sharing_watchlistterm", "audit_auditevent"):
            cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t")  # noqa: S608
            if any(needle.strip("%") in row[0].lower() for row in cursor.fetchall()):
                return True
    return False


@pytest.mark.django_db
class TestService:
    def test_term_is_stored_only_as_a_keyed_hash(self, users, orgs):
        row = watchlist_term_add(
            actor=users["member_admin"], organization=orgs["acme"], term=TERM, category="customer"
        )
        assert row.term_hash == watchlist_term_hash(TERM, watchlist_key())
        assert not database_contains("contoso")
        event = AuditEvent.objects.get(action="watchlist.term_added")
        assert event.data == {"term_hash_prefix": row.term_hash[:12], "category": "customer"}

    def test_adding_twice_keeps_one_row(self, users, orgs):
        watchlist_term_add(
            actor=users["member_admin"], organization=orgs["acme"], term=TERM, category="customer"
        )
        watchlist_term_add(
            actor=users["member_admin"],
            organization=orgs["acme"],
            term="  contoso   PHARMACEUTICALS ",
            category="customer",
        )
        assert WatchlistTerm.objects.count() == 1

    def test_analyst_may_not_add(self, users, orgs):
        with pytest.raises(AccessDenied):
            watchlist_term_add(
                actor=users["analyst"], organization=orgs["acme"], term=TERM, category="customer"
            )

    def test_admin_may_not_add_to_another_org(self, users, orgs):
        with pytest.raises(AccessDenied):
            watchlist_term_add(
                actor=users["member_admin"],
                organization=orgs["globex"],
                term=TERM,
                category="customer",
            )

    def test_bad_category_and_empty_term_are_refused(self, users, orgs):
        with pytest.raises(ValidationFailed) as raised:
            watchlist_term_add(
                actor=users["member_admin"], organization=orgs["acme"], term="  ", category="gossip"
            )
        assert {e["field"] for e in raised.value.errors} == {"term", "category"}

    def test_remove_by_own_admin_only(self, users, orgs):
        row = watchlist_term_add(
            actor=users["member_admin"], organization=orgs["acme"], term=TERM, category="customer"
        )
        with pytest.raises(NotFound):
            watchlist_term_remove(actor=users["other_admin"], term=row)
        watchlist_term_remove(actor=users["member_admin"], term=row)
        assert WatchlistTerm.objects.count() == 0
        assert AuditEvent.objects.filter(action="watchlist.term_removed").count() == 1


@pytest.mark.django_db
def test_command_reads_terms_from_stdin_and_stores_hashes(orgs):
    out = io.StringIO()
    call_command(
        "add_watchlist_term",
        "--org",
        "acme",
        "--category",
        "roadmap",
        stdin=io.StringIO("Project Bluebird\n\nNightjar\n"),
        stdout=out,
    )
    assert "2 term(s)" in out.getvalue()
    assert "bluebird" not in out.getvalue().lower()
    rows = WatchlistTerm.objects.filter(organization=orgs["acme"])
    assert {r.category for r in rows} == {"roadmap"} and rows.count() == 2
    assert all(r.created_by is None for r in rows)
    assert not database_contains("bluebird") and not database_contains("nightjar")
