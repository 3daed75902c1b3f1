"""Review decisions: every path of the lifecycle, stricter redactions, separation of duties."""

from __future__ import annotations

import pytest

from audit.actors import SYSTEM
from audit.models import AuditEvent
from config.errors import AccessDenied, Conflict, ValidationFailed
from governance.core.canonical import canonical_sha256
from governance.services.accounts import membership_create
from sharing.core import lifecycle
from sharing.models import Decision, SharedIndicator, TaskState
from sharing.selectors.review import claim_next_queues
from sharing.services.intake import submission_resubmit
from sharing.services.review import (
    review_task_claim,
    review_task_claim_next,
    review_task_decide,
    review_task_reassign,
    review_task_release,
)
from tests.factories import member_user
from tests.sharing.fixtures import ACCOUNT_CLUSTER


def _task(submission, stage):
    return submission.review_tasks.get(stage=stage, round=submission.review_round)


def _claim_next(user):
    return review_task_claim_next(actor=user, queues=claim_next_queues(actor=user))


def _approve(user, task, **kwargs):
    review_task_claim(actor=user, task=task)
    return review_task_decide(actor=user, task=task, decision=Decision.APPROVE, **kwargs)


def test_two_approvals_publish_the_redacted_form(two_org_policy, make_submission, users):
    submission = make_submission()
    origin = _task(submission, "origin")
    _approve(users["legal_reviewer"], origin)
    forum = _task(submission, "forum")
    assert forum.state == TaskState.OPEN and forum.due_at is not None
    submission.refresh_from_db()
    assert submission.state == lifecycle.IN_REVIEW
    _approve(users["counsel"], forum)
    submission.refresh_from_db()
    assert submission.state == lifecycle.PUBLISHED
    assert submission.decided_at is not None
    indicator = SharedIndicator.objects.get(submission=submission)
    assert indicator.redacted_payload == submission.redacted_payload
    assert "203.0.113.77" not in str(indicator.redacted_payload)
    assert indicator.audience == ["acme", "globex"]
    assert indicator.stix_id.startswith("indicator--")
    decisions = AuditEvent.objects.filter(action="review.approved").order_by("seq")
    assert [e.actor_username for e in decisions] == ["acme-legal", "counsel"]
    assert all(e.data["redacted_sha256"] == indicator.redacted_sha256 for e in decisions)
    assert [t[0] for t in submission.history.values_list("to_state")] == [
        "submitted",
        "in_review",
        "approved",
        "published",
    ]


def test_reject_needs_a_reason_and_ends_review(two_org_policy, make_submission, users):
    submission = make_submission()
    origin = _task(submission, "origin")
    review_task_claim(actor=users["legal_reviewer"], task=origin)
    with pytest.raises(ValidationFailed) as refused:
        review_task_decide(actor=users["legal_reviewer"], task=origin, decision=Decision.REJECT)
    assert refused.value.errors[0]["field"] == "reason"
    review_task_decide(
        actor=users["legal_reviewer"], task=origin, decision=Decision.REJECT, reason="Pricing."
    )
    submission.refresh_from_db()
    assert submission.state == lifecycle.REJECTED
    assert _task(submission, "forum").state == TaskState.CANCELLED
    event = AuditEvent.objects.get(action="review.rejected")
    assert event.data["reason"] == "Pricing."
    assert event.data["reviewer"] == "acme-legal"
    assert not SharedIndicator.objects.exists()


def test_changes_requested_then_resubmit_restarts_at_stage_one(
    two_org_policy, make_submission, users
):
    submission = make_submission()
    _approve(users["legal_reviewer"], _task(submission, "origin"))
    forum = _task(submission, "forum")
    review_task_claim(actor=users["counsel"], task=forum)
    with pytest.raises(ValidationFailed):
        review_task_decide(actor=users["counsel"], task=forum, decision="request_changes")
    review_task_decide(
        actor=users["counsel"], task=forum, decision="request_changes", reason="Drop the notes."
    )
    submission.refresh_from_db()
    assert submission.state == lifecycle.CHANGES_REQUESTED
    resubmitted = submission_resubmit(
        actor=users["analyst"],
        submission=submission,
        payload={k: v for k, v in ACCOUNT_CLUSTER.items() if k != "analyst_notes"},
    )
    assert resubmitted.state == lifecycle.IN_REVIEW
    assert resubmitted.review_round == 2
    tasks = list(resubmitted.review_tasks.order_by("round", "position"))
    assert [(t.round, t.stage, t.state) for t in tasks] == [
        (1, "origin", TaskState.DECIDED),
        (1, "forum", TaskState.DECIDED),
        (2, "origin", TaskState.OPEN),
        (2, "forum", TaskState.WAITING),
    ]
    # The same reviewers may take the new round: the rule is per round.
    _approve(users["legal_reviewer"], _task(resubmitted, "origin"))
    _approve(users["counsel"], _task(resubmitted, "forum"))
    resubmitted.refresh_from_db()
    assert resubmitted.state == lifecycle.PUBLISHED


def test_extra_redaction_stricter_updates_payload_and_hash(two_org_policy, make_submission, users):
    submission = make_submission()
    origin = _task(submission, "origin")
    review_task_claim(actor=users["legal_reviewer"], task=origin)
    with pytest.raises(ValidationFailed) as looser:
        review_task_decide(
            actor=users["legal_reviewer"],
            task=origin,
            decision=Decision.APPROVE,
            extra_redactions={"signup_ip": "keep"},
        )
    assert "less strict" in looser.value.message
    assert looser.value.errors[0]["field"] == "extra_redactions.signup_ip"
    review_task_decide(
        actor=users["legal_reviewer"],
        task=origin,
        decision=Decision.APPROVE,
        extra_redactions={"signup_ip": "drop", "email_domain": "pseudonymize"},
    )
    submission.refresh_from_db()
    assert "signup_ip" not in submission.redacted_payload
    assert submission.redacted_payload["email_domain"].startswith("oprf:")
    assert submission.redacted_sha256 == canonical_sha256(submission.redacted_payload)
    origin.refresh_from_db()
    assert origin.redacted_sha256 == submission.redacted_sha256
    assert origin.extra_redactions == {"signup_ip": "drop", "email_domain": "pseudonymize"}
    event = AuditEvent.objects.get(action="review.approved")
    assert event.data["redacted_sha256"] == submission.redacted_sha256
    assert (
        "mailinator" not in event.leaf.tobytes().decode()
        if hasattr(event.leaf, "tobytes")
        else "mailinator" not in bytes(event.leaf).decode()
    )


def test_reviewer_cannot_approve_own_submission(two_org_policy, catalog, orgs, users):
    from tests.sharing.fixtures import submit

    # One person, two hats: acme analyst and forum counsel. They may not review their own.
    dual = member_user("dual", orgs["acme"], "analyst")
    membership_create(actor=SYSTEM, user=dual, organization=orgs["forum"], role="counsel")
    submission = submit(
        user=dual, organization=orgs["acme"], indicator_type=catalog["account-cluster"]
    )
    _approve(users["legal_reviewer"], _task(submission, "origin"))
    with pytest.raises(AccessDenied, match="you made"):
        review_task_claim(actor=dual, task=_task(submission, "forum"))


def test_nobody_decides_two_stages_of_one_submission(two_org_policy, make_submission, orgs):
    both = member_user("both-hats", orgs["acme"], "legal_reviewer")
    membership_create(actor=SYSTEM, user=both, organization=orgs["forum"], role="counsel")
    submission = make_submission()
    _approve(both, _task(submission, "origin"))
    with pytest.raises(AccessDenied, match="another stage"):
        review_task_claim(actor=both, task=_task(submission, "forum"))


def test_origin_stage_only_for_submitting_orgs_legal_reviewers(
    two_org_policy, make_submission, users
):
    submission = make_submission()
    origin = _task(submission, "origin")
    for outsider in ("other_legal", "analyst", "counsel", "regulator"):
        with pytest.raises(AccessDenied):
            review_task_claim(actor=users[outsider], task=origin)
    forum = _task(submission, "forum")
    with pytest.raises(AccessDenied):
        review_task_claim(actor=users["legal_reviewer"], task=forum)


def test_waiting_task_cannot_be_claimed(two_org_policy, make_submission, users):
    submission = make_submission()
    with pytest.raises(Conflict):
        review_task_claim(actor=users["counsel"], task=_task(submission, "forum"))


def test_decide_requires_holding_the_claim(two_org_policy, make_submission, users, acme_legal2):
    submission = make_submission()
    origin = _task(submission, "origin")
    review_task_claim(actor=users["legal_reviewer"], task=origin)
    with pytest.raises(AccessDenied):
        review_task_decide(actor=acme_legal2, task=origin, decision=Decision.APPROVE)


def test_release_and_reassign(two_org_policy, make_submission, users, acme_legal2):
    submission = make_submission()
    origin = _task(submission, "origin")
    review_task_claim(actor=users["legal_reviewer"], task=origin)
    released = review_task_release(actor=users["legal_reviewer"], task=origin)
    assert released.state == TaskState.OPEN and released.assignee is None
    claimed = review_task_claim_next(actor=acme_legal2, queues=[origin.queue])
    assert claimed.pk == origin.pk and claimed.assignee == acme_legal2
    with pytest.raises(AccessDenied):
        review_task_reassign(actor=acme_legal2, task=origin, assignee=users["legal_reviewer"])
    with pytest.raises(ValidationFailed):
        review_task_reassign(actor=users["counsel"], task=origin, assignee=users["other_legal"])
    moved = review_task_reassign(
        actor=users["counsel"], task=origin, assignee=users["legal_reviewer"]
    )
    assert moved.assignee == users["legal_reviewer"]
    assert AuditEvent.objects.filter(action="review.task_reassigned").count() == 1
    assert review_task_claim_next(actor=acme_legal2, queues=[origin.queue]) is None


def test_submitter_is_emailed_the_decision(
    two_org_policy, make_submission, users, mailoutbox, django_capture_on_commit_callbacks
):
    submission = make_submission()
    origin = _task(submission, "origin")
    review_task_claim(actor=users["legal_reviewer"], task=origin)
    with django_capture_on_commit_callbacks(execute=True):
        review_task_decide(
            actor=users["legal_reviewer"], task=origin, decision="reject", reason="Not technical."
        )
    assert [m.to for m in mailoutbox] == [[users["analyst"].email]]
    assert "rejected" in mailoutbox[0].body and "Not technical." in mailoutbox[0].body


def test_claim_next_takes_the_most_urgent_open_task_then_none(
    two_org_policy, make_submission, users
):
    first, second = make_submission(), make_submission()
    reviewer = users["legal_reviewer"]
    claimed = _claim_next(reviewer)
    assert claimed.pk == _task(first, "origin").pk
    assert claimed.state == TaskState.CLAIMED and claimed.assignee == reviewer
    event = AuditEvent.objects.get(action="review.task_claimed")
    assert event.data["task_id"] == claimed.pk and event.data["via"] == "claim-next"
    assert _claim_next(reviewer).pk == _task(second, "origin").pk
    assert _claim_next(reviewer) is None
    assert AuditEvent.objects.filter(action="review.task_claimed").count() == 2


def test_claim_next_gives_counsel_only_forum_tasks_never_their_own_stage_twice(
    two_org_policy, make_submission, users
):
    submission = make_submission()
    assert _claim_next(users["counsel"]) is None  # forum stage still waits
    _approve(users["legal_reviewer"], _task(submission, "origin"))
    assert _claim_next(users["legal_reviewer"]) is None
    assert _claim_next(users["counsel"]).pk == _task(submission, "forum").pk


def test_claim_next_moves_on_when_a_rival_claims_its_candidate_first(
    two_org_policy, make_submission, users, acme_legal2, monkeypatch
):
    # SQLite takes no row lock: a rival may claim the candidate between the read and the
    # conditional UPDATE; the loser must take the next task, not fail or double-claim.
    from sharing.services import review as service

    first, second = make_submission(), make_submission()
    real = service._claim_open

    def rival_first(actor, task, **extra):
        if task.pk == _task(first, "origin").pk:
            assert real(acme_legal2, task)
        return real(actor, task, **extra)

    monkeypatch.setattr(service, "_claim_open", rival_first)
    claimed = _claim_next(users["legal_reviewer"])
    assert claimed.pk == _task(second, "origin").pk
    assert claimed.assignee == users["legal_reviewer"]
    assert _task(first, "origin").assignee == acme_legal2
    assert AuditEvent.objects.filter(action="review.task_claimed").count() == 2
