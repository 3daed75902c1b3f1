"""Expiry, purge, legal holds, recall after a policy change and SLA escalation, on a frozen
clock; each job is idempotent and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from config.errors import AccessDenied
from sharing.models import SharedIndicator, Submission
from sharing.services.lifecycle_jobs import (
    indicator_recall_scan,
    indicators_expire,
    legal_hold_lift,
    legal_hold_place,
    review_tasks_escalate,
    submission_originals_purge,
)


def test_expiry_after_retention_is_idempotent_and_respects_hold(published, users):
    before = published.expires_at - timedelta(minutes=1)
    assert indicators_expire(at=before) == []
    legal_hold_place(actor=users["counsel"], submission=published.submission, reason="Litigation.")
    after = published.expires_at + timedelta(minutes=1)
    assert indicators_expire(at=after) == []
    legal_hold_lift(actor=users["counsel"], submission=published.submission, reason="Closed.")
    assert [i.pk for i in indicators_expire(at=after)] == [published.pk]
    assert indicators_expire(at=after) == []
    published.refresh_from_db()
    assert published.expired_at == after
    assert published.submission.state == "expired"
    assert AuditEvent.objects.filter(action="indicator.expired").count() == 1


def test_purge_keeps_hash_after_configured_days(published, users, settings):
    settings.CLEARROOM_PURGE_AFTER_DAYS = 10
    submission = published.submission
    decided = submission.decided_at
    assert submission_originals_purge(at=decided + timedelta(days=9)) == []
    legal_hold_place(actor=users["counsel"], submission=submission, reason="Regulator asked.")
    assert submission_originals_purge(at=decided + timedelta(days=11)) == []
    legal_hold_lift(actor=users["counsel"], submission=submission, reason="Done.")
    purged = submission_originals_purge(at=decided + timedelta(days=11))
    assert [s.pk for s in purged] == [submission.pk]
    assert submission_originals_purge(at=decided + timedelta(days=12)) == []
    submission = Submission.objects.get(pk=submission.pk)
    assert submission.payload is None and submission.payload_sha256
    assert submission.original_purged_at == decided + timedelta(days=11)
    event = AuditEvent.objects.get(action="submission.original_purged")
    assert event.data["payload_sha256"] == submission.payload_sha256


def test_only_counsel_place_legal_holds(published, users):
    for who in ("analyst", "legal_reviewer", "regulator"):
        with pytest.raises(AccessDenied):
            legal_hold_place(actor=users[who], submission=published.submission, reason="x")


def test_recall_scan_lists_indicators_a_new_policy_redacts_more_strictly(
    published, policy, users, client
):
    assert indicator_recall_scan() == []
    policy(audience=["acme", "globex"])  # same rules again: nothing to recall
    assert indicator_recall_scan() == []
    from tests.governance.fixtures import approve_rules
    from tests.sharing.fixtures import review_rules

    stricter = review_rules(audience=["acme", "globex"])
    stricter["indicator_types"]["account-cluster"]["fields"]["signup_ip"] = "drop"
    approve_rules(stricter, drafter=users["member_admin"], approver=users["counsel"])
    flagged = indicator_recall_scan()
    assert [i.pk for i in flagged] == [published.pk]
    assert indicator_recall_scan() == []  # idempotent
    published.refresh_from_db()
    assert "signup_ip" in published.recall_reason
    assert AuditEvent.objects.filter(action="indicator.recall_flagged").count() == 1
    client.force_login(users["counsel"])
    page = client.get(reverse("review-recalls")).content.decode()
    assert published.stix_id in page
    client.force_login(users["analyst"])
    assert client.get(reverse("review-recalls")).status_code == 403


def test_overdue_tasks_escalate_once_and_email_counsel(
    two_org_policy, make_submission, users, mailoutbox, django_capture_on_commit_callbacks
):
    submission = make_submission()
    task = submission.review_tasks.get(stage="origin")
    assert review_tasks_escalate(at=task.due_at - timedelta(minutes=1)) == []
    with django_capture_on_commit_callbacks(execute=True):
        escalated = review_tasks_escalate(at=task.due_at + timedelta(minutes=1))
    assert [t.pk for t in escalated] == [task.pk]
    assert review_tasks_escalate(at=task.due_at + timedelta(hours=1)) == []
    assert len(mailoutbox) == 1
    assert set(mailoutbox[0].to) == {users["counsel"].email, users["counsel2"].email}
    assert AuditEvent.objects.filter(action="review.task_escalated").count() == 1


def test_indicator_permissions_cover_audience_and_contributor(published):
    from sharing.models import SharedIndicatorGroupObjectPermission

    slugs = set(
        SharedIndicatorGroupObjectPermission.objects.filter(content_object=published).values_list(
            "group__organization__slug", flat=True
        )
    )
    assert slugs == {"acme", "globex"}
    assert SharedIndicator.objects.get(pk=published.pk).stix_id == published.stix_id
