"""Races on PostgreSQL: concurrent claims and concurrent decisions have exactly one winner."""

from __future__ import annotations

import pytest

from sharing.models import Decision, ReviewTask, TaskState
from sharing.services.review import review_task_claim, review_task_decide
from tests.concurrency import race
from tests.factories import member_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_concurrent_claims_have_exactly_one_winner(two_org_policy, make_submission, orgs):
    submission = make_submission()
    task = submission.review_tasks.get(stage="origin")
    reviewers = [member_user(f"acme-legal-{i}", orgs["acme"], "legal_reviewer") for i in range(8)]
    wins, losses = race([lambda r=r: review_task_claim(actor=r, task=task) for r in reviewers])
    assert len(wins) == 1 and len(losses) == 7
    task.refresh_from_db()
    assert task.state == TaskState.CLAIMED
    assert task.assignee_id == wins[0].assignee_id


def test_two_concurrent_decisions_record_one(two_org_policy, make_submission, users):
    submission = make_submission()
    task = submission.review_tasks.get(stage="origin")
    review_task_claim(actor=users["legal_reviewer"], task=task)
    wins, losses = race(
        [
            lambda: review_task_decide(
                actor=users["legal_reviewer"], task=task, decision=Decision.APPROVE
            ),
            lambda: review_task_decide(
                actor=users["legal_reviewer"],
                task=task,
                decision=Decision.REJECT,
                reason="Second thoughts.",
            ),
        ]
    )
    assert len(wins) == 1 and len(losses) == 1
    task.refresh_from_db()
    assert task.state == TaskState.DECIDED
    assert ReviewTask.objects.filter(submission=submission, state=TaskState.DECIDED).count() == 1
