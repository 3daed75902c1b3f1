"""Races on PostgreSQL across features, beyond the per-feature races listed in docs/security.md.

Invariants: one winner, one outcome per object, no deadlock or integrity error reaching a user,
and a gapless, unforked audit chain that verifies (audit.integrity.check_database) afterwards.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.integrity import check_database
from audit.models import AuditEvent, AuditHead
from audit.services.exports import audit_export_request
from governance.models import PolicyVersion
from governance.services.accounts import api_token_create
from governance.services.policy import (
    policy_version_approve,
    policy_version_draft_create,
    policy_version_reject,
    policy_version_submit,
)
from sharing.models import ReviewTask, Submission
from sharing.services.intake import submission_create, submission_withdraw
from sharing.services.lifecycle_jobs import legal_hold_place, submission_originals_purge
from sharing.services.review import review_task_claim, review_task_decide
from sharing.services.taxii import taxii_envelope_receive
from sharing.services.watchlist import watchlist_term_add
from tests.concurrency import race
from tests.factories import member_user
from tests.security.world import SECRET_PAYLOAD

pytestmark = pytest.mark.django_db(transaction=True)


def assert_chain_whole() -> None:
    report = check_database()
    assert report.size == AuditEvent.objects.count() == AuditHead.objects.get().size
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(report.size)
    )


def test_every_feature_writing_at_once_keeps_one_gapless_chain(world, users, orgs):
    """Twelve different audited writes from twelve threads: all land, the chain verifies."""
    before = AuditEvent.objects.count()
    extra_reviewers = [
        member_user(f"acme-legal-r{i}", orgs["acme"], "legal_reviewer") for i in range(2)
    ]
    open_tasks = [world.origin_task]

    def submit(index):
        return lambda: submission_create(
            actor=users["analyst"],
            organization=orgs["acme"],
            indicator_type="account-cluster",
            payload=dict(SECRET_PAYLOAD),
            source="api",
            client_reference=f"storm-{index}",
        )

    workers = [
        submit(0),
        submit(1),
        submit(2),
        lambda: review_task_claim(actor=extra_reviewers[0], task=open_tasks[0]),
        lambda: review_task_decide(
            actor=users["legal_reviewer"], task=world.claimed_task, decision="approve"
        ),
        lambda: watchlist_term_add(
            actor=users["member_admin"], organization=orgs["acme"], term="Atlas", category="roadmap"
        ),
        lambda: api_token_create(
            actor=users["member_admin"], user=users["analyst"], organization=orgs["acme"], name="s"
        ),
        lambda: audit_export_request(actor=users["regulator"]),
        lambda: policy_version_draft_create(actor=users["other_admin"], rules=world.in_force.rules),
        lambda: policy_version_approve(
            actor=users["counsel"], version=world.pending, statement="Approved under load."
        ),
        lambda: taxii_envelope_receive(
            actor=users["third_analyst"],
            organization=orgs["initech"],
            objects=[
                {
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": "indicator--6c3d7a0e-1f7b-4b8a-9d0e-2a3b4c5d6e7f",
                    "created": "2026-03-01T00:00:00.000Z",
                    "modified": "2026-03-01T00:00:00.000Z",
                    "pattern": "[ipv4-addr:value = '203.0.113.44']",
                    "pattern_type": "stix",
                    "valid_from": "2026-03-01T00:00:00Z",
                }
            ],
        ),
        lambda: legal_hold_place(
            actor=users["counsel"], submission=world.published, reason="Under load."
        ),
    ]
    wins, losses = race(workers)
    assert not losses, [str(e) for e in losses]
    assert len(wins) == len(workers)
    assert AuditEvent.objects.count() > before + len(workers)
    assert Submission.objects.filter(client_reference__startswith="storm-").count() == 3
    assert PolicyVersion.objects.filter(status="approved").count() == 1
    assert_chain_whole()


def test_submissions_while_counsel_approves_a_new_version_never_deadlock(world, users, orgs):
    """Intake references the version in force, which approval locks to supersede it.

    Found by the storm above: the submitter held the audit head while its deferred foreign-key
    check waited for the version approval had locked, and approval waited for the head.
    """
    for round_ in range(4):
        version = policy_version_submit(
            actor=users["member_admin"],
            version=policy_version_draft_create(
                actor=users["member_admin"], rules=world.in_force.rules
            ),
        )
        submitters = [
            lambda i=i, round_=round_: submission_create(
                actor=users["analyst"],
                organization=orgs["acme"],
                indicator_type="account-cluster",
                payload=dict(SECRET_PAYLOAD),
                source="api",
                client_reference=f"approve-race-{round_}-{i}",
            )
            for i in range(4)
        ]
        approve = lambda v=version: policy_version_approve(  # noqa: E731
            actor=users["counsel"], version=v, statement="Approved while members submit."
        )
        wins, losses = race([*submitters[:2], approve, *submitters[2:]])
        assert not losses, [str(e) for e in losses]
    assert PolicyVersion.objects.filter(status="approved").count() == 1
    assert_chain_whole()


def test_one_client_reference_posted_from_six_api_clients_makes_one_submission(world, users):
    responses = []

    def post():
        client = APIClient()
        client.force_authenticate(users["analyst"])
        response = client.post(
            "/api/v1/submissions/",
            {
                "indicator_type": "account-cluster",
                "payload": dict(SECRET_PAYLOAD),
                "client_reference": "retry-storm",
            },
            format="json",
        )
        responses.append(response)
        return response

    race([post] * 6)
    assert {r.status_code for r in responses} <= {200, 201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert Submission.objects.filter(client_reference="retry-storm").count() == 1
    assert_chain_whole()


def test_withdrawal_racing_a_decision_has_one_outcome(world, users):
    task = world.claimed_task
    wins, losses = race(
        [
            lambda: review_task_decide(
                actor=users["legal_reviewer"], task=task, decision="approve"
            ),
            lambda: submission_withdraw(
                actor=users["analyst"], submission=task.submission, reason="Changed our mind."
            ),
        ]
    )
    submission = Submission.objects.get(pk=task.submission_id)
    task = ReviewTask.objects.get(pk=task.pk)
    if submission.state == "withdrawn":
        # Withdrawal won (or came after an approval that left the forum stage open).
        assert task.state in {"cancelled", "decided"}
        assert not submission.review_tasks.filter(state__in=["open", "claimed"]).exists()
    else:
        assert submission.state == "in_review" and task.state == "decided"
        assert len(losses) == 1
    assert_chain_whole()


def test_approve_and_reject_of_one_version_at_once_have_one_outcome(world, users, orgs):
    counsel3 = member_user("counsel3", orgs["forum"], "counsel")
    wins, losses = race(
        [
            lambda: policy_version_approve(
                actor=users["counsel"], version=world.pending, statement="Yes."
            ),
            lambda: policy_version_reject(actor=counsel3, version=world.pending, statement="No."),
        ]
    )
    assert len(wins) == 1 and len(losses) == 1
    version = PolicyVersion.objects.get(pk=world.pending.pk)
    assert version.status in {"approved", "rejected"}
    decided = AuditEvent.objects.filter(
        action__in=["policy.version_approved", "policy.version_rejected"],
        object_id=str(version.pk),
    )
    assert decided.count() == 1
    assert PolicyVersion.objects.filter(status="approved").count() == 1
    assert_chain_whole()


def test_legal_hold_racing_the_purge_never_loses_a_held_original(world, users):
    later = timezone.now() + timedelta(days=3650)
    race(
        [
            lambda: legal_hold_place(
                actor=users["counsel"], submission=world.published, reason="Litigation."
            ),
            lambda: submission_originals_purge(at=later),
        ]
    )
    published = Submission.objects.get(pk=world.published.pk)
    assert published.legal_hold and published.payload_sha256
    assert (published.payload is None) == (published.original_purged_at is not None)
    events = dict(
        AuditEvent.objects.filter(
            object_id=str(published.pk),
            action__in=["legal_hold.placed", "submission.original_purged"],
        ).values_list("action", "seq")
    )
    if events["legal_hold.placed"] < events.get("submission.original_purged", 1 << 62):
        # The hold committed first: the purge must have left the original alone.
        assert published.payload is not None and "submission.original_purged" not in events
    assert_chain_whole()
