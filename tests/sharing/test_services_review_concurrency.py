"""Races on PostgreSQL: concurrent claims and concurrent decisions have exactly one winner."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from sharing.models import Decision, ReviewTask, TaskState
from sharing.selectors.review import claim_next_queues
from sharing.services.review import review_task_claim, review_task_claim_next, review_task_decide
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


def test_sixteen_reviewers_claiming_next_never_get_the_same_task(
    two_org_policy, make_submission, orgs
):
    submissions = [make_submission() for _ in range(10)]
    reviewers = [member_user(f"acme-legal-{i}", orgs["acme"], "legal_reviewer") for i in range(16)]
    results, losses = race(
        [
            lambda r=r: review_task_claim_next(actor=r, queues=claim_next_queues(actor=r))
            for r in reviewers
        ]
    )
    assert not losses
    claimed = [task for task in results if task is not None]
    assert len(claimed) == 10 and results.count(None) == 6
    assert len({task.pk for task in claimed}) == 10
    tasks = ReviewTask.objects.filter(submission__in=submissions, stage="origin")
    assert all(task.state == TaskState.CLAIMED for task in tasks)
    assert {task.assignee_id for task in tasks} == {task.assignee_id for task in claimed}
    events = AuditEvent.objects.filter(action="review.task_claimed")
    assert sorted(e.data["task_id"] for e in events) == sorted(task.pk for task in claimed)
