"""Planner statistics: a large intake batch queues their refresh; stale tables are analysed."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection

from config.planner_statistics import refresh_stale_statistics
from sharing.models import SharedIndicator
from sharing.services import intake_batch
from sharing.tasks import planner_statistics_refresh_task

pytestmark = pytest.mark.django_db


def _analysed(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s", [table]
        )
        return cursor.fetchone()[0]


def test_a_stale_table_is_analysed_once_then_left_alone():
    table = SharedIndicator._meta.db_table
    if connection.vendor != "postgresql":
        # Other databases keep no such statistics: nothing to refresh, nothing run.
        assert refresh_stale_statistics([table]) == []
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_stat_reset_single_table_counters('{table}'::regclass)")
    assert not _analysed(table)
    assert refresh_stale_statistics([table]) == [table]
    assert _analysed(table)
    assert refresh_stale_statistics([table]) == []


def test_the_task_names_only_existing_tables():
    refreshed = planner_statistics_refresh_task()
    assert set(refreshed) <= {
        "sharing_submission", "sharing_submissiontransition", "sharing_sharedindicator",
        "sharing_sharedindicatorgroupobjectpermission", "sharing_reviewtask", "audit_auditevent",
    }  # fmt: skip


def test_a_large_batch_queues_one_refresh_a_minute(monkeypatch):
    queued = []
    monkeypatch.setattr(intake_batch, "enqueue_on_commit", lambda name, **kw: queued.append(name))
    cache.delete("sharing:planner-statistics-queued")
    intake_batch._refresh_statistics_after(intake_batch.STATISTICS_BATCH - 1)
    assert queued == []
    intake_batch._refresh_statistics_after(intake_batch.STATISTICS_BATCH)
    intake_batch._refresh_statistics_after(5000)
    assert queued == ["sharing.tasks.planner_statistics_refresh_task"]
