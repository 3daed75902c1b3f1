"""Concurrent writers on PostgreSQL are serialised on the head row: one gapless chain."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from audit.actions import HEALTH_PINGED
from audit.actors import SYSTEM
from audit.integrity import check_database
from audit.models import AuditEvent, AuditHead
from audit.services.log import audit_record

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
PER_THREAD = 25


def test_eight_threads_appending_at_once_produce_a_gapless_unforked_chain():
    assert connection.vendor == "postgresql"
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            start.wait()
            for index in range(PER_THREAD):
                with transaction.atomic():
                    audit_record(
                        actor=SYSTEM,
                        action=HEALTH_PINGED,
                        data={"worker": worker, "index": index},
                    )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    total = THREADS * PER_THREAD
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(total))
    events = list(AuditEvent.objects.order_by("seq").values_list("prev_hash", "leaf_hash"))
    for (_, previous), (prev, _) in zip(events, events[1:], strict=False):
        assert prev == previous
    assert len({leaf for _, leaf in events}) == total
    for worker in range(THREADS):
        indexes = list(
            AuditEvent.objects.filter(data__worker=worker)
            .order_by("seq")
            .values_list("data__index", flat=True)
        )
        assert indexes == list(range(PER_THREAD))
    assert AuditHead.objects.get().size == total
    assert check_database().size == total


def test_rolled_back_writer_among_concurrent_ones_leaves_no_gap():
    start = threading.Barrier(4)

    def writer(worker: int) -> None:
        try:
            start.wait()
            for index in range(10):
                try:
                    with transaction.atomic():
                        audit_record(
                            actor=SYSTEM, action=HEALTH_PINGED, data={"w": worker, "i": index}
                        )
                        if worker == 0:
                            raise ValueError("roll back")
                except ValueError:
                    pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(30))
    assert not AuditEvent.objects.filter(data__w=0).exists()
    assert check_database().size == 30
