"""`audit_record_many` appends the same events as one `audit_record` each, under one head lock."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from audit import actions
from audit.actors import SYSTEM
from audit.integrity import check_database
from audit.models import AuditEvent, AuditHead
from audit.services.log import AuditSpec, audit_record, audit_record_many

pytestmark = pytest.mark.django_db(transaction=True)


def _specs(count: int, note: str) -> list[AuditSpec]:
    return [
        AuditSpec(actor=SYSTEM, action=actions.HEALTH_PINGED, data={"note": f"{note} {n}"})
        for n in range(count)
    ]


def test_batch_continues_the_chain_gaplessly_and_verifies():
    with transaction.atomic():
        audit_record(actor=SYSTEM, action=actions.HEALTH_PINGED, data={"note": "single"})
    with transaction.atomic():
        events = audit_record_many(_specs(5, "batch"))
    with transaction.atomic():
        audit_record(actor=SYSTEM, action=actions.HEALTH_PINGED, data={"note": "after"})

    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in stored] == list(range(7))
    assert [e.data["note"] for e in stored] == [
        "single", "batch 0", "batch 1", "batch 2", "batch 3", "batch 4", "after",
    ]  # fmt: skip
    for earlier, later in zip(stored, stored[1:], strict=False):
        assert later.prev_hash == earlier.leaf_hash
    head = AuditHead.objects.get(pk=1)
    assert (head.size, head.last_leaf_hash) == (7, stored[-1].leaf_hash)
    assert check_database().size == 7
    call_command("verify_audit", stdout=io.StringIO())


def test_a_bad_spec_appends_nothing_of_the_batch():
    specs = [*_specs(2, "ok"), AuditSpec(actor=SYSTEM, action="no.such.action")]
    with pytest.raises(ValueError, match="unknown audit action"), transaction.atomic():
        audit_record_many(specs)
    assert not AuditEvent.objects.exists()


def test_an_empty_batch_appends_nothing():
    with transaction.atomic():
        assert audit_record_many([]) == []
    assert not AuditEvent.objects.exists()


def test_a_batch_larger_than_one_insert_statement_chains_and_verifies():
    # PostgreSQL writes a batch of more than 50 events with COPY, then updates the head;
    # check_database compares every stored column with its signed leaf.
    with transaction.atomic():
        events = audit_record_many(_specs(1203, "big"))
    with transaction.atomic():
        after = audit_record(actor=SYSTEM, action=actions.HEALTH_PINGED, data={"note": "after"})
    assert [e.seq for e in events] == list(range(1203))
    assert after.seq == 1203 and after.prev_hash == events[-1].leaf_hash
    assert AuditEvent.objects.count() == 1204
    assert AuditHead.objects.get(pk=1).size == 1204
    assert check_database().size == 1204


def test_returned_events_are_the_stored_rows():
    with transaction.atomic():
        event = audit_record(
            actor=SYSTEM, action=actions.HEALTH_PINGED, data={"note": "x", "n": [1, None]}
        )
    assert not event._state.adding and event._state.db == "default"
    stored = AuditEvent.objects.get(pk=event.pk)
    for field in ("seq", "recorded_at", "actor_username", "action", "data", "prev_hash"):
        assert getattr(stored, field) == getattr(event, field)
    assert bytes(stored.leaf) == event.leaf and stored.leaf_hash == event.leaf_hash


def test_integers_beyond_the_exact_json_range_are_refused():
    with pytest.raises(TypeError, match="outside"), transaction.atomic():
        audit_record(actor=SYSTEM, action=actions.HEALTH_PINGED, data={"n": 2**53})
    assert not AuditEvent.objects.exists()
