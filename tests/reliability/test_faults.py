"""Faults: the broker is down, a task dies mid-way and runs again, the database raises inside a
service, an export fails. Nothing is lost, nothing is doubled, nothing is half-written, and the
audit chain stays whole.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone
from rest_framework.test import APIClient

from audit import actions
from audit.integrity import check_database
from audit.models import AuditEvent, AuditExport, ExportStatus
from audit.services import exports
from audit.services.exports import _export_start, audit_export_build, audit_export_request
from sharing.models import (
    ReviewTask,
    SharedIndicator,
    Submission,
    SubmissionTransition,
    TaxiiStatus,
)
from sharing.services.intake import submission_create
from sharing.services.lifecycle_jobs import indicators_expire, submission_originals_purge
from sharing.services.review import review_task_decide
from sharing.services.taxii import SYNC_BATCH_LIMIT
from sharing.taxii.collections import collection_id_for
from sharing.taxii.envelope import MEDIA_TYPE
from tests.governance.fixtures import approve_rules, baseline_rules
from tests.security.world import SECRET_PAYLOAD


def _events(action: str, object_id=None) -> int:
    events = AuditEvent.objects.filter(action=action)
    if object_id is not None:
        events = events.filter(object_id=str(object_id))
    return events.count()


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- the broker is down -------------------------------------------------------------------


@pytest.fixture
def auto_publish_policy(catalog, users):
    """Account clusters publish without review when no flag is raised (a task is enqueued);
    structured only, since free text left in the published form would be held for review."""
    rules = baseline_rules()
    rules["indicator_types"]["account-cluster"]["review"] = []
    rules["indicator_types"]["account-cluster"]["fields"]["analyst_notes"] = "drop"
    return approve_rules(rules, drafter=users["member_admin"], approver=users["counsel2"])


@pytest.mark.django_db(transaction=True)
def test_submission_accepted_while_the_broker_is_down_is_kept_and_published(
    auto_publish_policy, users, dead_broker
):
    payload = {**SECRET_PAYLOAD, "analyst_notes": "Scripted signups through one relay."}
    response = _api(users["analyst"]).post(
        "/api/v1/submissions/",
        {"indicator_type": "account-cluster", "payload": payload, "client_reference": "down-1"},
        format="json",
    )
    assert response.status_code == 201, response.content
    submission = Submission.objects.get(client_reference="down-1")
    # The recipients' notification could not be queued; the publication itself stands.
    assert submission.state == "published"
    indicator = SharedIndicator.objects.get(submission=submission)
    assert _events(actions.INDICATOR_PUBLISHED, indicator.pk) == 1
    check_database()


@pytest.mark.django_db(transaction=True)
def test_review_decision_while_the_broker_is_down_is_kept(world, users, dead_broker):
    task = world.claimed_task
    response = _api(users["legal_reviewer"]).post(
        f"/api/v1/review-tasks/{task.pk}/decide/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert task.state == "decided"
    check_database()


def _envelope(count: int) -> str:
    objects = [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{uuid.uuid4()}",
            "created": "2026-03-01T00:00:00.000Z",
            "modified": "2026-03-01T00:00:00.000Z",
            "pattern": f"[ipv4-addr:value = '203.0.{index // 250}.{index % 250 + 1}']",
            "pattern_type": "stix",
            "valid_from": "2026-03-01T00:00:00Z",
        }
        for index in range(count)
    ]
    return json.dumps({"objects": objects})


@pytest.mark.django_db(transaction=True)
def test_large_taxii_batch_while_the_broker_is_down_is_accepted_and_not_left_pending(
    world, users, orgs, client, dead_broker
):
    client.force_login(users["analyst"])
    count = SYNC_BATCH_LIMIT + 1
    response = client.generic(
        "POST",
        f"/taxii2/api/collections/{collection_id_for(orgs['acme'])}/objects/",
        _envelope(count),
        content_type=MEDIA_TYPE,
        HTTP_ACCEPT=MEDIA_TYPE,
        HTTP_AUTHORIZATION=_basic(users["analyst"]),
    )
    assert response.status_code == 202, response.content
    status = TaxiiStatus.objects.get(pk=response.json()["id"])
    assert status.state == TaxiiStatus.State.COMPLETE
    assert len(status.successes) == count
    check_database()


def _basic(user) -> str:
    import base64

    from tests.factories import TEST_PASSWORD

    return "Basic " + base64.b64encode(f"{user.username}:{TEST_PASSWORD}".encode()).decode()


@pytest.mark.django_db(transaction=True)
def test_export_requested_while_the_broker_is_down_is_reported_failed_not_stuck(
    world, users, dead_broker
):
    response = _api(users["regulator"]).post("/api/v1/audit/exports/", {}, format="json")
    assert response.status_code == 202, response.content
    export = AuditExport.objects.get(pk=response.json()["id"])
    assert export.status == ExportStatus.FAILED
    assert "queue" in export.error
    assert _events(actions.EXPORT_FAILED, export.pk) == 1
    detail = _api(users["regulator"]).get(f"/api/v1/audit/exports/{export.pk}/").json()
    assert detail["status"] == "failed"
    check_database()


# --- a task dies mid-way and runs again ---------------------------------------------------


@pytest.mark.django_db
def test_export_whose_worker_died_is_built_once_when_redelivered(world, users):
    export = audit_export_request(actor=users["regulator"])
    started = _export_start(export.pk)  # the worker starts, then dies before building
    assert started.status == ExportStatus.RUNNING
    first = audit_export_build(export_id=export.pk)  # acks_late: the broker redelivers
    again = audit_export_build(export_id=export.pk)  # and a duplicate delivery changes nothing
    assert first.status == again.status == ExportStatus.COMPLETE
    assert first.sha256 == again.sha256
    assert _events(actions.EXPORT_STARTED, export.pk) == 2
    assert _events(actions.EXPORT_COMPLETED, export.pk) == 1
    check_database()


@pytest.mark.django_db
def test_expiry_and_purge_jobs_run_twice_change_each_thing_once(world):
    later = timezone.now() + timedelta(days=3650)
    first_expired = indicators_expire(at=later)
    first_purged = submission_originals_purge(at=later)
    assert [i.pk for i in first_expired] == [world.indicator.pk]
    assert world.published.pk in {s.pk for s in first_purged}
    assert indicators_expire(at=later) == []
    assert submission_originals_purge(at=later) == []
    assert _events(actions.INDICATOR_EXPIRED, world.indicator.pk) == 1
    assert _events(actions.SUBMISSION_ORIGINAL_PURGED, world.published.pk) == 1
    check_database()


# --- the database raises inside a service -------------------------------------------------


def _raise_once(monkeypatch, manager, name: str = "create"):
    def fail(*args, **kwargs):
        raise DatabaseError("simulated failure after the first write")

    monkeypatch.setattr(manager, name, fail)


@pytest.mark.django_db
def test_database_error_in_intake_leaves_no_submission_and_no_event(
    world, users, orgs, monkeypatch
):
    submissions, events = Submission.objects.count(), AuditEvent.objects.count()
    # The submission row is inserted first; its history rows (one bulk insert) then fail.
    _raise_once(monkeypatch, SubmissionTransition.objects, "bulk_create")
    with pytest.raises(DatabaseError):
        submission_create(
            actor=users["analyst"],
            organization=orgs["acme"],
            indicator_type="account-cluster",
            payload=dict(SECRET_PAYLOAD),
            source="api",
            client_reference="db-fault",
        )
    assert Submission.objects.count() == submissions
    assert AuditEvent.objects.count() == events
    check_database()


@pytest.mark.django_db
def test_database_error_while_publishing_leaves_the_decision_undone(world, users, monkeypatch):
    forum = world.claimed_task.submission.review_tasks.get(stage="forum")
    review_task_decide(actor=users["legal_reviewer"], task=world.claimed_task, decision="approve")
    from sharing.services.review import review_task_claim

    forum = review_task_claim(actor=users["counsel"], task=forum)
    events = AuditEvent.objects.count()
    # Approval writes the decision, then publication inserts the indicator, which fails.
    _raise_once(monkeypatch, SharedIndicator, "save")
    with pytest.raises(DatabaseError):
        review_task_decide(actor=users["counsel"], task=forum, decision="approve")
    forum.refresh_from_db()
    assert forum.state == "claimed" and forum.decision == ""
    assert forum.submission.state == "in_review"
    assert not SharedIndicator.objects.filter(submission=forum.submission).exists()
    assert AuditEvent.objects.count() == events
    check_database()


# --- an export fails ----------------------------------------------------------------------


@pytest.mark.django_db
def test_export_that_fails_while_building_is_reported_failed(world, users, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "build_bundle", broken)
    export = audit_export_request(actor=users["regulator"])
    built = audit_export_build(export_id=export.pk)
    assert built.status == ExportStatus.FAILED
    assert "disk full" in built.error
    assert not list(exports.export_path(built).parent.glob("*.partial"))
    assert _events(actions.EXPORT_FAILED, export.pk) == 1
    response = _api(users["regulator"]).get(f"/api/v1/audit/exports/{export.pk}/download/")
    assert response.status_code == 409
    assert ReviewTask.objects.exists()  # the world is intact around the failure
    check_database()
