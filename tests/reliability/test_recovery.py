"""Recovery from a crash, in process: a TAXII status left pending by a lost runner is finished by
the sweep within the bound, exactly once; tasks retry transient database errors; a request that
meets a lost database connection answers 503 with Retry-After on every surface, never 500.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.utils import timezone

from audit import actions
from audit.integrity import check_database
from audit.models import AuditEvent, ExportStatus
from audit.services import exports
from audit.services.exports import audit_export_request
from audit.tasks import audit_export_build_task
from config.celery import TRANSIENT_DATABASE_ERRORS, app
from config.unavailable import RETRY_AFTER_SECONDS, DatabaseUnavailableMiddleware
from governance.services.accounts import api_token_create
from sharing.models import Submission, TaxiiStatus
from sharing.services import taxii as taxii_service
from sharing.services.taxii import (
    SYNC_BATCH_LIMIT,
    taxii_envelope_receive,
    taxii_status_process,
    taxii_statuses_sweep,
)
from sharing.taxii.envelope import MEDIA_TYPE
from sharing.taxii.tasks import taxii_envelope_process_task
from tests.reliability.processes import admin_connection


def indicators(count: int, *, net: int = 0) -> list[dict]:
    """Return `count` distinct STIX indicators of network infrastructure."""
    return [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{uuid.uuid4()}",
            "created": "2026-03-01T00:00:00.000Z",
            "modified": "2026-03-01T00:00:00.000Z",
            "pattern": f"[ipv4-addr:value = '10.{net}.{index // 250}.{index % 250 + 1}']",
            "pattern_type": "stix",
            "valid_from": "2026-03-01T00:00:00Z",
        }
        for index in range(count)
    ]


def _after_bound():
    return timezone.now() + timedelta(
        minutes=settings.CLEARROOM_TAXII_PENDING_BOUND_MINUTES, seconds=1
    )


def _lost_envelope(users, orgs, count: int = SYNC_BATCH_LIMIT + 20) -> TaxiiStatus:
    """Receive a large envelope whose task never runs (the test transaction never commits, so
    its on-commit enqueue is dropped: as when the message is lost with the broker)."""
    return taxii_envelope_receive(
        actor=users["analyst"], organization=orgs["acme"], objects=indicators(count)
    )


@pytest.mark.django_db
def test_status_whose_task_was_lost_is_completed_by_the_sweep_once_past_the_bound(
    world, users, orgs
):
    before = Submission.objects.count()
    status = _lost_envelope(users, orgs)
    assert status.state == TaxiiStatus.State.PENDING and len(status.batch) == status.total_count
    assert taxii_statuses_sweep(at=timezone.now()) == []  # within the bound: left to its task
    [swept] = taxii_statuses_sweep(at=_after_bound())
    assert swept.pk == status.pk and swept.state == TaxiiStatus.State.COMPLETE
    assert len(swept.successes) == status.total_count and swept.failures == []
    assert swept.batch == [] and swept.attempts == 1
    assert Submission.objects.count() == before + status.total_count
    # The task, delivered late after all, changes nothing.
    assert taxii_envelope_process_task.apply(args=[str(status.pk)]).get() == "complete"
    assert Submission.objects.count() == before + status.total_count
    check_database()


@pytest.mark.django_db
def test_status_run_again_takes_each_object_once(world, users, orgs):
    objects = indicators(30)
    before = Submission.objects.count()
    first = taxii_envelope_receive(
        actor=users["analyst"], organization=orgs["acme"], objects=objects
    )
    again = taxii_envelope_receive(
        actor=users["analyst"], organization=orgs["acme"], objects=objects
    )
    assert first.state == again.state == TaxiiStatus.State.COMPLETE
    assert [s["message"] for s in first.successes] == [s["message"] for s in again.successes]
    assert Submission.objects.count() == before + 30
    check_database()


@pytest.mark.django_db(transaction=True)
def test_status_held_by_a_live_runner_is_left_to_it(world, users, orgs, monkeypatch):
    # Committed (this test is transactional), its message lost on the way to the broker.
    monkeypatch.setattr(taxii_service, "enqueue_on_commit", lambda *args, **kwargs: None)
    status = _lost_envelope(users, orgs)
    with admin_connection() as runner:
        runner.execute("BEGIN")
        runner.execute("SELECT 1 FROM sharing_taxiistatus WHERE id = %s FOR UPDATE", [status.pk])
        assert taxii_statuses_sweep(at=_after_bound()) == []
        assert taxii_status_process(status_id=status.pk).state == TaxiiStatus.State.PENDING
        runner.execute("ROLLBACK")
    [swept] = taxii_statuses_sweep(at=_after_bound())
    assert swept.state == TaxiiStatus.State.COMPLETE
    check_database()


@pytest.mark.django_db
def test_status_that_breaks_every_runner_is_completed_as_failures_after_its_attempts(
    world, users, orgs, monkeypatch
):
    before = Submission.objects.count()
    status = _lost_envelope(users, orgs, count=SYNC_BATCH_LIMIT + 5)

    def crash(**kwargs):
        raise RuntimeError("the runner died")

    monkeypatch.setattr(taxii_service, "submission_create_many", crash)
    moment = timezone.now()
    for attempt in range(1, settings.CLEARROOM_TAXII_MAX_ATTEMPTS + 1):
        moment += timedelta(minutes=settings.CLEARROOM_TAXII_PENDING_BOUND_MINUTES, seconds=1)
        assert taxii_statuses_sweep(at=moment) == []
        status.refresh_from_db()
        assert status.state == TaxiiStatus.State.PENDING and status.attempts == attempt
    moment += timedelta(minutes=settings.CLEARROOM_TAXII_PENDING_BOUND_MINUTES, seconds=1)
    [given_up] = taxii_statuses_sweep(at=moment)
    assert given_up.state == TaxiiStatus.State.COMPLETE and given_up.successes == []
    assert len(given_up.failures) == status.total_count and given_up.batch == []
    assert all("interrupted 3 times" in f["message"] for f in given_up.failures)
    assert {f["id"] for f in given_up.failures} == {p["id"] for p in status.pendings}
    assert Submission.objects.count() == before
    events = AuditEvent.objects.filter(
        action=actions.TAXII_ENVELOPE_ABANDONED, object_id=str(status.pk)
    )
    assert events.count() == 1
    check_database()


# --- tasks retry transient database errors ------------------------------------------------


def test_every_task_retries_transient_database_errors_with_backoff():
    ours = [
        t
        for name, t in app.tasks.items()
        if name.split(".")[0] in {"audit", "sharing", "governance"}
    ]
    assert len(ours) >= 10
    for task in ours:
        assert set(TRANSIENT_DATABASE_ERRORS) <= set(task.autoretry_for), task.name
        assert task.retry_backoff and task.max_retries >= 5, task.name
        assert task.acks_late, task.name
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_broker_visibility_timeout_outlasts_the_longest_task_and_is_minutes_not_an_hour():
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    assert app.conf.task_time_limit < timeout <= 15 * 60


def test_visibility_timeout_shorter_than_the_task_time_limit_is_refused():
    import os
    import subprocess
    import sys

    env = {**os.environ, "CELERY_TASK_TIME_LIMIT": "600", "CELERY_VISIBILITY_TIMEOUT": "300"}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env=env, capture_output=True, text=True, check=False,
        cwd=str(settings.BASE_DIR),
    )  # fmt: skip
    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT=300 must exceed CELERY_TASK_TIME_LIMIT=600" in result.stderr


@pytest.mark.django_db
def test_task_meeting_a_lost_connection_is_retried_and_takes_the_envelope_once(
    world, users, orgs, monkeypatch
):
    before = Submission.objects.count()
    status = _lost_envelope(users, orgs)
    real = taxii_service.submission_create_many
    calls = []

    def lost_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(taxii_service, "submission_create_many", lost_once)
    # throw=False: run as a worker would, the retry included (eager mode would raise Retry).
    result = taxii_envelope_process_task.apply(args=[str(status.pk)], throw=False)
    assert result.get() == "complete" and len(calls) == 2
    status.refresh_from_db()
    assert status.attempts == 2 and len(status.successes) == status.total_count
    assert Submission.objects.count() == before + status.total_count
    check_database()


@pytest.mark.django_db
def test_export_whose_build_meets_a_lost_connection_is_retried_and_built_once(
    world, users, monkeypatch
):
    real = exports.build_bundle
    calls = []

    def lost_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return real(*args, **kwargs)

    monkeypatch.setattr(exports, "build_bundle", lost_once)
    export = audit_export_request(actor=users["regulator"])
    assert audit_export_build_task.apply(args=[export.pk], throw=False).get() == "complete"
    export.refresh_from_db()
    assert export.status == ExportStatus.COMPLETE and len(calls) == 2

    def count(action):
        return AuditEvent.objects.filter(action=action, object_id=str(export.pk)).count()

    assert count(actions.EXPORT_STARTED) == 2
    assert count(actions.EXPORT_COMPLETED) == 1 and count(actions.EXPORT_FAILED) == 0
    check_database()


# --- requests meeting a lost database connection ------------------------------------------


def _drop_this_connection() -> None:
    """Terminate this process's database session from another one (a restart, a fail-over)."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with admin_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def lost_connection_client():
    client = Client(raise_request_exception=False)
    yield client
    connection.close()  # the next query connects afresh


def _assert_503(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


@pytest.mark.django_db(transaction=True)
def test_taxii_request_meeting_a_lost_connection_answers_503_taxii_error(
    users, orgs, lost_connection_client
):
    _, secret = api_token_create(
        actor=users["member_admin"], user=users["analyst"], organization=orgs["acme"], name="t"
    )
    _drop_this_connection()
    response = lost_connection_client.post(
        "/taxii2/api/collections/x/objects/",
        json.dumps({"objects": indicators(2)}),
        content_type=MEDIA_TYPE,
        HTTP_ACCEPT=MEDIA_TYPE,
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    _assert_503(response)
    assert response["Content-Type"] == MEDIA_TYPE
    assert response.json()["http_status"] == "503"
    assert "Retry after" in response.json()["description"]


@pytest.mark.django_db(transaction=True)
def test_api_request_meeting_a_lost_connection_answers_503_json(
    users, orgs, lost_connection_client
):
    _, secret = api_token_create(
        actor=users["member_admin"], user=users["analyst"], organization=orgs["acme"], name="t"
    )
    _drop_this_connection()
    response = lost_connection_client.get(
        "/api/v1/submissions/", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    _assert_503(response)
    assert response.json()["code"] == "unavailable"


@pytest.mark.django_db(transaction=True)
def test_page_request_meeting_a_lost_connection_answers_503_error_page(
    users, lost_connection_client
):
    lost_connection_client.force_login(users["analyst"])
    _drop_this_connection()
    response = lost_connection_client.get("/")
    _assert_503(response)
    assert response["Content-Type"].startswith("text/html")
    assert b"unavailable for a moment" in response.content


def test_database_error_raised_inside_another_middleware_answers_503_too():
    def session_save_fails(request):
        raise OperationalError("the connection was reset while saving the session")

    inner = convert_exception_to_response(session_save_fails)
    middleware = DatabaseUnavailableMiddleware(inner)
    response = middleware(RequestFactory().get("/api/v1/submissions/"))
    _assert_503(response)
    assert json.loads(response.content)["code"] == "unavailable"


def test_eager_task_retrying_a_lost_connection_inside_a_request_answers_503():
    from celery.exceptions import Retry

    def eager_task_retries(request):
        raise Retry(exc=OperationalError("could not connect to server"), when=2)

    middleware = DatabaseUnavailableMiddleware(convert_exception_to_response(eager_task_retries))
    _assert_503(middleware(RequestFactory().get("/taxii2/")))


def test_other_server_errors_stay_500():
    def broken(request):
        raise RuntimeError("a bug")

    middleware = DatabaseUnavailableMiddleware(convert_exception_to_response(broken))
    assert middleware(RequestFactory().get("/api/v1/submissions/")).status_code == 500
