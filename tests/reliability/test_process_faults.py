"""Faults in production shape: a real Celery worker killed mid-envelope, database sessions
terminated mid-ingest (in a worker and in a request), Redis stopped and restarted empty, a
gunicorn worker killed mid-request.

Each fault lands at a known point: the test holds a SHARE lock on the submission table, so an
ingest stops at its first insert with its status committed and claimed; the fault is injected
once the ingest's backend is seen waiting, then the lock is let go. After each fault every
posted object is kept exactly once or reported as a failure, every status is final within the
bound (the sweep is run at the bound, as the scheduler would), the reader's TAXII feed holds
every published object, and the audit log verifies.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import threading
import time
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from governance.services.accounts import api_token_create
from sharing import stix
from sharing.models import SharedIndicator, Submission, TaxiiStatus
from sharing.services.publication import marking_acknowledge
from sharing.services.taxii import taxii_envelope_receive, taxii_statuses_sweep
from sharing.taxii.collections import collection_id_for
from sharing.taxii.envelope import MEDIA_TYPE
from tests.celery_helpers import _reset_pool
from tests.governance.fixtures import approve_rules, baseline_rules
from tests.reliability import processes
from tests.reliability.processes import (
    PrivateRedis,
    backend_gone,
    submissions_held,
    wait_until,
    waiting_backend,
)
from tests.reliability.test_recovery import indicators

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

LARGE = 120  # over SYNC_BATCH_LIMIT: processed by a worker
SMALL = 40  # processed in the request


# --- the forum and the processes ----------------------------------------------------------


class Forum:
    """Acme posts network indicators that publish without review to all members; Globex reads."""

    def __init__(self, users, orgs) -> None:
        rules = baseline_rules()
        rules["indicator_types"]["network-infrastructure"]["review"] = []
        approve_rules(rules, drafter=users["member_admin"], approver=users["counsel2"])
        self.writer, self.org = users["analyst"], orgs["acme"]
        _, self.writer_token = api_token_create(
            actor=users["member_admin"], user=self.writer, organization=self.org, name="faults"
        )
        self.reader = users["other_analyst"]
        _, self.reader_token = api_token_create(
            actor=users["other_admin"], user=self.reader, organization=orgs["globex"], name="r"
        )
        for marking in ("TLP:AMBER", "PAP:GREEN"):
            marking_acknowledge(actor=self.reader, marking=marking)
        self.collection = collection_id_for(self.org)
        self.reader_collection = collection_id_for(orgs["globex"])
        self.posted: list[dict] = []  # every object posted, once per distinct object

    def objects(self, count: int) -> list[dict]:
        made = indicators(count, net=len(self.posted) // 250 + 1)
        self.posted.extend(made)
        return made

    def receive(self, objects: list[dict]) -> TaxiiStatus:
        """Post an envelope through the service (its task goes to the configured broker)."""
        return taxii_envelope_receive(actor=self.writer, organization=self.org, objects=objects)

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "Accept": MEDIA_TYPE,
            "Content-Type": MEDIA_TYPE,
            "Authorization": f"Bearer {self.writer_token}",
            **extra,
        }

    def reader_feed_ids(self) -> set[str]:
        """Return the ids of every object in the reader's TAXII collection, page by page."""
        client = Client()
        found: set[str] = set()
        url = f"/taxii2/api/collections/{self.reader_collection}/objects/?limit=100"
        for _ in range(100):
            response = client.get(
                url, HTTP_ACCEPT=MEDIA_TYPE, HTTP_AUTHORIZATION=f"Bearer {self.reader_token}"
            )
            assert response.status_code == 200, response.content
            body = response.json()
            found |= {o["id"] for o in body.get("objects", []) if o["type"] == "indicator"}
            if not body.get("more"):
                return found
            url = (
                f"/taxii2/api/collections/{self.reader_collection}/objects/"
                f"?limit=100&next={body['next']}"
            )
        raise AssertionError("the reader's feed did not end")

    def assert_recovered(self, statuses: list[TaxiiStatus]) -> None:
        """Every status final; every posted object kept once or a failure; feed; audit."""
        posted_ids = {o["id"] for o in self.posted}
        succeeded: set[str] = set()
        for status in statuses:
            status.refresh_from_db()
            assert status.state == TaxiiStatus.State.COMPLETE, status
            assert status.batch == [] and status.pendings == []
            assert len(status.successes) + len(status.failures) == status.total_count
            succeeded |= {s["id"] for s in status.successes}
        reported = {o["id"] for s in statuses for o in s.successes + s.failures}
        assert reported == posted_ids
        references = [stix.client_reference_for(o) for o in self.posted if o["id"] in succeeded]
        kept = Submission.objects.filter(organization=self.org, client_reference__in=references)
        assert kept.count() == len(references) == len(succeeded)  # each exactly once
        published = SharedIndicator.objects.filter(submission__in=kept)
        assert published.count() == len(references)
        assert {i.stix_id for i in published} <= self.reader_feed_ids()
        assert len(self.reader_feed_ids()) == SharedIndicator.objects.count()
        out = io.StringIO()
        call_command("verify_audit", stdout=out)
        assert out.getvalue().startswith("OK:"), out.getvalue()


def sweep_at_the_bound() -> list[TaxiiStatus]:
    """Run the sweep as the scheduler would once the bound has passed."""
    bound = timedelta(minutes=settings.CLEARROOM_TAXII_PENDING_BOUND_MINUTES, seconds=1)
    return taxii_statuses_sweep(at=timezone.now() + bound)


@pytest.fixture
def forum(catalog, users, orgs):
    return Forum(users, orgs)


@pytest.fixture
def redis_server(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server):
    """Send this process's tasks to the private Redis, for real (not eagerly)."""
    from config.celery import app

    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    _reset_pool()
    yield redis_server
    app.conf.update(saved)
    _reset_pool()


@pytest.fixture
def started(tmp_path):
    """Start processes for this test and stop every one of them after it, come what may."""
    running: list[processes.Process] = []

    def track(process: processes.Process) -> processes.Process:
        running.append(process)
        return process

    yield track
    for process in reversed(running):
        process.stop()


def _worker(started, tmp_path, broker_url: str, name: str, **env: str) -> processes.Process:
    return started(
        processes.celery_worker(
            processes.service_env(broker_url=broker_url, **env),
            tmp_path / f"worker-{name}.log",
            name,
        )
    )


def _gunicorn(started, tmp_path, broker_url: str) -> str:
    server, base = processes.gunicorn(processes.service_env(broker_url=broker_url), tmp_path)
    started(server)
    return base


def _wait_complete(status: TaxiiStatus, *, timeout: float, worker=None) -> TaxiiStatus:
    def complete():
        status.refresh_from_db()
        return status.state == TaxiiStatus.State.COMPLETE

    try:
        wait_until(complete, timeout=timeout, what=f"status {status.pk} to complete", every=0.5)
    except AssertionError:
        raise AssertionError(worker.output() if worker else "status still pending") from None
    return status


def _terminate(pid: int) -> None:
    with processes.admin_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


class _Post(threading.Thread):
    """POST an envelope in the background; keep the response or the error."""

    def __init__(self, url: str, body: list[dict], headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url, self.body, self.headers = url, body, headers
        self.response: requests.Response | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.response = requests.post(
                self.url, data=json.dumps({"objects": self.body}), headers=self.headers,
                timeout=180,
            )  # fmt: skip
        except requests.RequestException as error:
            self.error = error


def _objects_url(base: str, forum: Forum) -> str:
    return f"{base}/taxii2/api/collections/{forum.collection}/objects/"


# --- a Celery worker killed mid-envelope --------------------------------------------------


def test_worker_killed_mid_envelope_is_redelivered_and_takes_each_object_once(
    forum, broker, started, tmp_path
):
    # A short visibility timeout (and a time limit under it) so redelivery is seen in seconds.
    env = {
        "CELERY_TASK_TIME_LIMIT": "20",
        "CELERY_TASK_SOFT_TIME_LIMIT": "18",
        "CELERY_VISIBILITY_TIMEOUT": "25",
    }
    first = _worker(started, tmp_path, broker.url, "first", **env)
    with submissions_held():
        status = forum.receive(forum.objects(LARGE))
        pid = waiting_backend()
        taken = time.monotonic()
        first.kill()  # kill -9 of the worker and its pool child, mid-envelope
    backend_gone(pid)
    status.refresh_from_db()
    assert status.state == TaxiiStatus.State.PENDING and status.attempts == 1
    assert not Submission.objects.filter(source="taxii").exists()
    # The task was never acknowledged: a worker started once its visibility timeout has passed
    # takes it back from Redis, with no sweep.
    time.sleep(max(0.0, taken + 27 - time.monotonic()))
    second = _worker(started, tmp_path, broker.url, "second", **env)
    _wait_complete(status, timeout=150, worker=second)
    assert status.attempts == 2 and len(status.successes) == LARGE
    forum.assert_recovered([status])


# --- database sessions terminated mid-ingest ----------------------------------------------


def test_database_session_terminated_mid_envelope_in_a_worker_is_retried(
    forum, broker, started, tmp_path
):
    worker = _worker(started, tmp_path, broker.url, "retry")
    with submissions_held():
        status = forum.receive(forum.objects(LARGE))
        _terminate(waiting_backend())
    _wait_complete(status, timeout=150, worker=worker)
    assert status.attempts == 2  # the task retried after OperationalError; nothing doubled
    assert len(status.successes) == LARGE
    forum.assert_recovered([status])


def test_database_session_terminated_mid_request_answers_503_and_the_status_completes(
    forum, broker, started, tmp_path
):
    base = _gunicorn(started, tmp_path, broker.url)
    objects = forum.objects(SMALL)
    with submissions_held():
        post = _Post(_objects_url(base, forum), objects, forum.headers())
        post.start()
        _terminate(waiting_backend())
        post.join(timeout=180)
    assert post.response is not None, post.error
    assert post.response.status_code == 503, post.response.text
    assert post.response.headers["Content-Type"] == MEDIA_TYPE
    assert post.response.headers["Retry-After"]
    assert post.response.json()["http_status"] == "503"
    [interrupted] = TaxiiStatus.objects.filter(state=TaxiiStatus.State.PENDING)
    assert interrupted.attempts == 1
    # The client posts again and is answered at once; the interrupted status is finished by
    # the sweep at the bound, with the same submissions.
    again = requests.post(
        _objects_url(base, forum), data=json.dumps({"objects": objects}),
        headers=forum.headers(), timeout=120,
    )  # fmt: skip
    assert again.status_code == 202, again.text
    assert again.json()["status"] == "complete"
    [swept] = sweep_at_the_bound()
    assert swept.pk == interrupted.pk
    retried = TaxiiStatus.objects.get(pk=again.json()["id"])
    assert sorted(s["message"] for s in swept.successes) == sorted(
        s["message"] for s in retried.successes
    )
    forum.assert_recovered([swept, retried])


# --- PostgreSQL restarted (every session dropped, connections refused for a while) -------


def test_database_restart_answers_503_with_retry_after_and_the_envelope_completes_after(
    forum, broker, started, tmp_path, users
):
    params = connection.settings_dict
    proxy = processes.DatabaseProxy(params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432))
    proxy.start()
    env = processes.service_env(broker_url=broker.url, DATABASE_URL=proxy.url())
    server, base = processes.gunicorn(env, tmp_path)
    started(server)
    worker = started(processes.celery_worker(env, tmp_path / "worker-restart.log", "restart"))
    page_client = Client()
    page_client.force_login(forum.writer)
    session = {"sessionid": page_client.cookies["sessionid"].value}
    token = {"Authorization": f"Bearer {forum.writer_token}"}
    assert requests.get(f"{base}/api/v1/submissions/", headers=token, timeout=60).ok
    try:
        proxy.cut()
        # Every surface answers 503 with Retry-After in its own form, never a 500.
        api = requests.get(f"{base}/api/v1/submissions/", headers=token, timeout=60)
        taxii = requests.get(f"{base}/taxii2/api/collections/", headers=forum.headers(), timeout=60)
        page = requests.get(f"{base}/", cookies=session, timeout=60, allow_redirects=False)
        for response in (api, taxii, page):
            assert response.status_code == 503, (response.url, response.text[:300])
            assert int(response.headers["Retry-After"]) > 0
        assert api.json()["code"] == "unavailable"
        assert taxii.headers["Content-Type"] == MEDIA_TYPE
        assert taxii.json()["http_status"] == "503"
        assert page.headers["Content-Type"].startswith("text/html")
        # An envelope queued meanwhile: its worker cannot connect and retries with backoff.
        status = forum.receive(forum.objects(LARGE))
        wait_until(
            lambda: "Retry in" in worker.output(),
            timeout=60,
            what="the worker to retry the envelope",
            every=0.5,
        )
    finally:
        proxy.restore()
    _wait_complete(status, timeout=150, worker=worker)
    assert status.attempts == 1  # no start was counted while the database was away
    after = requests.post(
        _objects_url(base, forum), data=json.dumps({"objects": forum.objects(SMALL)}),
        headers=forum.headers(), timeout=120,
    )  # fmt: skip
    assert after.status_code == 202 and after.json()["status"] == "complete", after.text
    proxy.cut()
    forum.assert_recovered([status, TaxiiStatus.objects.get(pk=after.json()["id"])])


# --- Redis stopped ------------------------------------------------------------------------


def test_redis_stopped_and_restarted_empty_leaves_no_status_pending(
    forum, broker, started, tmp_path
):
    base = _gunicorn(started, tmp_path, broker.url)
    worker = _worker(started, tmp_path, broker.url, "redis")
    url = _objects_url(base, forum)

    def post(count: int) -> TaxiiStatus:
        response = requests.post(
            url, data=json.dumps({"objects": forum.objects(count)}), headers=forum.headers(),
            timeout=180,
        )  # fmt: skip
        assert response.status_code == 202, response.text
        return TaxiiStatus.objects.get(pk=response.json()["id"])

    # Redis down: the envelope cannot be queued, so the request processes it.
    broker.crash()
    down = post(LARGE)
    assert down.state == TaxiiStatus.State.COMPLETE
    # Redis back (empty): the worker reconnects and takes the next envelope.
    broker.start()
    back = _wait_complete(post(LARGE), timeout=150, worker=worker)
    # A queued envelope lost with Redis (no worker took it): the sweep finishes it at the bound.
    worker.stop()
    lost = post(LARGE)
    assert lost.state == TaxiiStatus.State.PENDING
    broker.crash()
    broker.start()
    _worker(started, tmp_path, broker.url, "after")
    time.sleep(2)  # the new worker finds an empty queue: the message is gone with Redis
    lost.refresh_from_db()
    assert lost.state == TaxiiStatus.State.PENDING and lost.attempts == 0
    assert [s.pk for s in sweep_at_the_bound()] == [lost.pk]
    forum.assert_recovered([down, back, lost])


# --- a gunicorn worker killed mid-request -------------------------------------------------


def test_gunicorn_worker_killed_mid_request_leaves_a_status_the_sweep_completes(
    forum, broker, started, tmp_path
):
    base = _gunicorn(started, tmp_path, broker.url)
    objects = forum.objects(SMALL)
    with submissions_held():
        post = _Post(_objects_url(base, forum), objects, forum.headers(**{"X-Fault-Tag": "kill"}))
        post.start()
        pid = waiting_backend()
        serving = int(
            wait_until(
                lambda: (tmp_path / "kill").exists() and (tmp_path / "kill").read_text(),
                timeout=30,
                what="the serving worker's pid",
            )
        )
        os.kill(serving, signal.SIGKILL)
        post.join(timeout=60)
    assert post.response is None and post.error is not None  # the connection was cut
    backend_gone(pid)
    [interrupted] = TaxiiStatus.objects.filter(state=TaxiiStatus.State.PENDING)
    assert interrupted.attempts == 1
    assert not Submission.objects.filter(source="taxii").exists()
    # The master replaced the worker; the client's retry is a new status, answered at once.
    again = None
    for _ in range(3):
        with contextlib.suppress(requests.ConnectionError):
            again = requests.post(
                _objects_url(base, forum), data=json.dumps({"objects": objects}),
                headers=forum.headers(), timeout=120,
            )  # fmt: skip
            break
        time.sleep(1)
    assert again is not None and again.status_code == 202, again and again.text
    [swept] = sweep_at_the_bound()
    assert swept.pk == interrupted.pk and len(swept.successes) == SMALL
    forum.assert_recovered([swept, TaxiiStatus.objects.get(pk=again.json()["id"])])
