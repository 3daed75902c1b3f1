"""A task sent to Redis runs in a real worker and writes its row through a service."""

from __future__ import annotations

import pytest

from audit.actions import HEALTH_PINGED
from audit.models import AuditEvent
from audit.tasks import health_ping_task
from tests.celery_helpers import redis_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def test_health_ping_runs_through_a_real_worker_on_redis():
    with redis_worker():
        result = health_ping_task.apply_async(kwargs={"note": "from test"})
        assert result.id
        # The worker writes in its own thread and connection; poll the database for it.
        import time

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if AuditEvent.objects.filter(action=HEALTH_PINGED, data__note="from test").exists():
                break
            time.sleep(0.1)
    event = AuditEvent.objects.get(action=HEALTH_PINGED, data__note="from test")
    assert event.actor_username == "system"
