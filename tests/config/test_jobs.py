"""The background-work seam: tasks are sent by name, only after commit, with a broker fallback."""

from __future__ import annotations

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from audit.actions import HEALTH_PINGED
from audit.models import AuditEvent
from config import jobs
from config.celery import app
from tests.celery_helpers import broker_down

pytestmark = pytest.mark.django_db

PING = "audit.tasks.health_ping_task"


def _pings(note: str) -> int:
    return AuditEvent.objects.filter(action=HEALTH_PINGED, data__note=note).count()


def test_task_runs_only_once_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        jobs.enqueue_on_commit(PING, note="after commit")
        assert _pings("after commit") == 0
    assert len(callbacks) == 1
    assert _pings("after commit") == 1


def test_task_of_a_rolled_back_transaction_is_never_sent(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        jobs.enqueue_on_commit(PING, note="rolled back")
        raise RuntimeError("roll back")
    assert callbacks == []
    assert _pings("rolled back") == 0


def test_eager_mode_runs_the_task_in_process_by_its_name():
    assert app.conf.task_always_eager  # the demo and the test settings: no broker configured
    jobs._send(PING, {"note": "eager"}, None)
    assert _pings("eager") == 1


def test_eager_mode_refuses_a_name_no_task_is_registered_under():
    with pytest.raises(LookupError):
        jobs._send("audit.tasks.no_such_task", {}, None)


def test_broker_down_calls_the_fallback_with_the_error():
    seen = []
    with broker_down():
        jobs._send(PING, {"note": "unsent"}, seen.append)
    assert len(seen) == 1
    assert isinstance(seen[0], OperationalError)
    assert _pings("unsent") == 0


def test_broker_down_without_a_fallback_is_logged_and_does_not_raise(caplog):
    with broker_down():
        jobs._send(PING, {"note": "unsent"}, None)
    assert _pings("unsent") == 0
    assert "could not be queued" in caplog.text


def test_unregistered_name_in_eager_mode_triggers_task_discovery(monkeypatch):
    # A web process that never imported a task module still finds the task by its name.
    task = app.tasks[PING]
    monkeypatch.delitem(app.tasks, PING)
    imported = []

    def discover():
        imported.append(True)
        app.tasks[PING] = task

    monkeypatch.setattr(app.loader, "import_default_modules", discover)
    jobs._send(PING, {"note": "discovered"}, None)
    assert imported == [True]
    assert _pings("discovered") == 1
