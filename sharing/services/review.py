"""Review of submissions: tasks per stage, claiming, decisions, separation of duties."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from audit import actions
from audit.services.log import audit_record, audit_recorded_since
from config.errors import AccessDenied, Conflict, ValidationFailed
from config.jobs import enqueue_on_commit
from governance.core import policy_language
from governance.core.canonical import canonical_sha256
from governance.models import Organization
from governance.permissions import can, require
from governance.roles import Capability, OrgKind, Role
from sharing.core import lifecycle
from sharing.core.redaction import (
    FieldPlan,
    RedactionError,
    apply_extra_redactions,
    free_text_fields,
)
from sharing.keys import pseudonym_key
from sharing.models import Decision, ReviewQueue, ReviewTask, Stage, Submission, TaskState
from sharing.services.publication import (
    indicator_publish,
    record_transition,
)

FORUM_QUEUE_KEY = "forum"


def origin_queue_key(organization: Organization) -> str:
    """Return the key of an organization's origin review queue."""
    return f"origin-{organization.slug}"


def review_queue_for(*, stage: str, organization: Organization) -> ReviewQueue:
    """Return (creating on demand) the queue that reviews `stage` for `organization`."""
    if stage == Stage.ORIGIN:
        queue, _ = ReviewQueue.objects.get_or_create(
            key=origin_queue_key(organization),
            defaults={
                "stage": Stage.ORIGIN,
                "organization": organization,
                "eligible_role": Role.LEGAL_REVIEWER,
            },
        )
        return queue
    if stage == Stage.FORUM:
        queue = ReviewQueue.objects.filter(key=FORUM_QUEUE_KEY).first()
        if queue is not None:
            return queue
        secretariat = (
            Organization.objects.filter(kind=OrgKind.SECRETARIAT, is_active=True)
            .order_by("pk")
            .first()
        )
        if secretariat is None:
            raise Conflict("The forum has no secretariat to review the forum stage.")
        queue, _ = ReviewQueue.objects.get_or_create(
            key=FORUM_QUEUE_KEY,
            defaults={
                "stage": Stage.FORUM,
                "organization": secretariat,
                "eligible_role": Role.COUNSEL,
            },
        )
        return queue
    raise Conflict(f"Unknown review stage {stage!r}.")


def _policy_citation(submission: Submission) -> dict:
    return {
        "rule_path": submission.rule_path,
        "policy_version": submission.policy_version.number if submission.policy_version else None,
        "policy_content_hash": submission.policy_content_hash,
    }


def published_free_text(submission: Submission) -> list[str]:
    """Return the free-text fields the submission's redacted form would publish."""
    return free_text_fields(
        submission.redacted_payload, _datatypes(submission.indicator_type.fields)
    )


def _datatypes(fields: list[dict]) -> dict[str, str]:
    return {spec["name"]: spec["datatype"] for spec in fields}


def hold_reason(
    *, rule_path: str, review_stages: list[str], flags: list[dict], redacted_payload: dict, fields
) -> str:
    """Return why a payload whose rule has no review stage is held for origin review, or ""
    (the rule's stages apply, or nothing needs a human). Intake and the simulation share it."""
    if review_stages:
        return ""
    reasons = []
    if flags:
        categories = sorted({flag["category"] for flag in flags})
        reasons.append(f"the scanner flagged {', '.join(categories)}")
    free_text = free_text_fields(redacted_payload, _datatypes(fields))
    if free_text:
        reasons.append(f"its published form keeps free text in {', '.join(free_text)}")
    if not reasons:
        return ""
    return f"held for review: {rule_path} auto-publishes, but {' and '.join(reasons)}"


def review_hold_reason(submission: Submission) -> str:
    """Return why `submission` (rule without review stage) is held for origin review, or ""."""
    return hold_reason(
        rule_path=submission.rule_path,
        review_stages=submission.review_stages,
        flags=submission.flags,
        redacted_payload=submission.redacted_payload,
        fields=submission.indicator_type.fields,
    )


def review_stages_for(submission: Submission) -> list[str]:
    """Return the stages that review `submission`: its rule's, or origin when a rule without
    review would publish a scanner flag or free text; an empty list means auto-publication.

    No free text reaches a competitor without a human decision: the scanner is one layer, the
    reviewer the other.
    """
    stages = list(submission.review_stages)
    if not stages and review_hold_reason(submission):
        stages = [Stage.ORIGIN.value]
    return stages


def in_review_data(submission: Submission, stages: list[str]) -> dict:
    """Return the data of a submission's `SUBMISSION_IN_REVIEW` audit event."""
    data = {
        "round": submission.review_round,
        "stages": stages,
        "redacted_sha256": submission.redacted_sha256,
        "flags": len(submission.flags),
        **_policy_citation(submission),
    }
    held = review_hold_reason(submission)
    if held:
        data["held"] = held
    return data


def new_review_tasks(submission: Submission, stages: list[str], now, queue_for) -> list[ReviewTask]:
    """Return the unsaved tasks of a review round: the first stage open, the others waiting.

    `queue_for(stage, organization)` returns the stage's queue (callers may cache it).
    """
    tasks = []
    for position, stage in enumerate(stages):
        queue = queue_for(stage, submission.organization)
        first = position == 0
        tasks.append(
            ReviewTask(
                submission=submission,
                queue=queue,
                stage=stage,
                position=position,
                round=submission.review_round,
                state=TaskState.OPEN if first else TaskState.WAITING,
                opened_at=now if first else None,
                due_at=now + timedelta(hours=queue.sla_hours) if first else None,
            )
        )
    return tasks


def auto_publish_reason(submission: Submission) -> str:
    """Return the reason recorded when `submission` is approved without review."""
    return (
        f"auto-published under {submission.rule_path}: no review stage, no scanner flag, "
        "no free text"
    )


def auto_approved_data(submission: Submission) -> dict:
    """Return the data of the `SUBMISSION_APPROVED` event of an auto-publication."""
    return {
        "automatic": True,
        "redacted_sha256": submission.redacted_sha256,
        **_policy_citation(submission),
    }


# --- eligibility and separation of duties -------------------------------------------------


def review_refusal(*, actor, task: ReviewTask) -> str | None:
    """Return why `actor` may not review `task`, or None when they may.

    Origin tasks go to the submitting org's legal reviewers, forum tasks to counsel. Nobody
    reviews their own submission, and nobody decides two stages of one submission in a round.
    """
    submission = task.submission
    if task.stage == Stage.ORIGIN:
        if not can(actor, Capability.REVIEW_ORIGIN, submission.organization):
            return "Only the submitting organization's legal reviewers review the origin stage."
    elif not can(actor, Capability.REVIEW_FORUM):
        return "Only forum counsel review the forum stage."
    if submission.submitted_by_id == actor.pk:
        return "You cannot review a submission you made."
    other_stage = (
        ReviewTask.objects.filter(submission_id=submission.pk, round=task.round)
        .exclude(pk=task.pk)
        .filter(Q(decided_by=actor) | Q(state=TaskState.CLAIMED, assignee=actor))
        .exists()
    )
    if other_stage:
        return "You already review another stage of this submission."
    return None


def _require_eligible(actor, task: ReviewTask) -> None:
    refusal = review_refusal(actor=actor, task=task)
    if refusal:
        raise AccessDenied(refusal, code="review_not_allowed")


def _locked_task(task: ReviewTask) -> ReviewTask:
    # Lock the submission first, then the task: one order everywhere, so decisions on the
    # stages of one submission serialise and never deadlock.
    Submission.objects.select_for_update(of=("self",)).filter(pk=task.submission_id).first()
    return (
        ReviewTask.objects.select_for_update(of=("self",))
        .select_related("submission__organization", "queue")
        .get(pk=task.pk)
    )


def _task_data(task: ReviewTask, **extra) -> dict:
    return {
        "task_id": task.pk,
        "submission_id": str(task.submission_id),
        "stage": task.stage,
        "round": task.round,
        "queue": task.queue.key,
        **extra,
    }


# --- claiming -----------------------------------------------------------------------------


def _claim_open(actor, task: ReviewTask, **extra) -> bool:
    """Claim `task` if it is still open and audit it; return whether this actor won.

    The row count of the conditional UPDATE decides the race: PostgreSQL re-checks the WHERE
    clause after a concurrent claimant commits, and SQLite runs one writer at a time, so the
    losers update nothing.
    """
    won = ReviewTask.objects.filter(pk=task.pk, state=TaskState.OPEN).update(
        state=TaskState.CLAIMED, assignee=actor, claimed_at=timezone.now()
    )
    if not won:
        return False
    task.refresh_from_db(fields=["state", "assignee", "claimed_at"])
    audit_record(
        actor=actor,
        action=actions.REVIEW_TASK_CLAIMED,
        obj=task,
        organization=task.queue.organization,
        data=_task_data(task, **extra),
    )
    return True


@transaction.atomic
def review_task_claim(*, actor, task: ReviewTask) -> ReviewTask:
    """Claim an open task; exactly one of several concurrent claimants wins."""
    task = ReviewTask.objects.select_related("submission__organization", "queue").get(pk=task.pk)
    _require_eligible(actor, task)
    if not _claim_open(actor, task):
        raise Conflict("This task is not open: someone else holds it or it was decided.")
    return task


# A candidate the actor may not review after all, or one a rival claimed first (SQLite), is
# skipped; past this many the queue is left for the next request rather than walked whole.
CLAIM_NEXT_ATTEMPTS = 20


@transaction.atomic
def review_task_claim_next(*, actor, queues: Iterable[ReviewQueue]) -> ReviewTask | None:
    """Claim the most urgent open task of `queues` the actor may review; return None when there
    is none (the selector `claim_next_queues` gives the actor's queues).

    Concurrent reviewers never wait for each other nor get the same task: on PostgreSQL each
    locks its one candidate row with `FOR UPDATE SKIP LOCKED`, so the others pass over it to
    the next; SQLite ignores the lock clause, and the conditional UPDATE under its single
    writer lock sends a loser on to the next candidate.
    """
    queue_ids = [queue.pk for queue in queues]
    if not queue_ids:
        return None
    # Separation of duties in SQL, so the locked row is one the actor may take; review_refusal
    # below still decides.
    other_stage = ReviewTask.objects.filter(
        submission_id=OuterRef("submission_id"), round=OuterRef("round")
    ).filter(Q(decided_by=actor) | Q(state=TaskState.CLAIMED, assignee=actor))
    candidates = (
        ReviewTask.objects.filter(queue_id__in=queue_ids, state=TaskState.OPEN)
        .exclude(submission__submitted_by=actor)
        .exclude(Exists(other_stage))
        .select_related("submission__organization", "queue__organization")
        .order_by("due_at", "id")
    )
    skipped: list[int] = []
    for _ in range(CLAIM_NEXT_ATTEMPTS):
        task = (
            candidates.exclude(pk__in=skipped)
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if task is None:
            return None
        if review_refusal(actor=actor, task=task) is None and _claim_open(
            actor, task, via="claim-next"
        ):
            return task
        skipped.append(task.pk)
    return None


@transaction.atomic
def review_task_release(*, actor, task: ReviewTask) -> ReviewTask:
    """Give a claimed task back to its queue (its assignee, or counsel)."""
    task = _locked_task(task)
    if task.state != TaskState.CLAIMED:
        raise Conflict("Only a claimed task can be released.")
    if task.assignee_id != actor.pk and not can(actor, Capability.REVIEW_FORUM):
        raise AccessDenied("Only the assignee or counsel can release this task.")
    previous = task.assignee
    task.state = TaskState.OPEN
    task.assignee = None
    task.claimed_at = None
    task.save(update_fields=["state", "assignee", "claimed_at"])
    audit_record(
        actor=actor,
        action=actions.REVIEW_TASK_RELEASED,
        obj=task,
        organization=task.queue.organization,
        data=_task_data(task, previous_assignee=previous.get_username()),
    )
    return task


@transaction.atomic
def review_task_reassign(*, actor, task: ReviewTask, assignee) -> ReviewTask:
    """Give an open or claimed task to another eligible reviewer (counsel only)."""
    require(actor, Capability.REVIEW_FORUM)
    task = _locked_task(task)
    if task.state not in (TaskState.OPEN, TaskState.CLAIMED):
        raise Conflict("Only an open or claimed task can be reassigned.")
    refusal = review_refusal(actor=assignee, task=task)
    if refusal:
        raise ValidationFailed(
            f"{assignee.get_username()} cannot take this task: {refusal}",
            errors=[{"field": "assignee", "message": refusal}],
        )
    previous = task.assignee.get_username() if task.assignee_id else None
    task.state = TaskState.CLAIMED
    task.assignee = assignee
    task.claimed_at = timezone.now()
    task.save(update_fields=["state", "assignee", "claimed_at"])
    audit_record(
        actor=actor,
        action=actions.REVIEW_TASK_REASSIGNED,
        obj=task,
        organization=task.queue.organization,
        data=_task_data(task, previous_assignee=previous, assignee=assignee.get_username()),
    )
    return task


# --- decisions ----------------------------------------------------------------------------

_DECISION_ACTIONS = {
    Decision.APPROVE: actions.REVIEW_APPROVED,
    Decision.REJECT: actions.REVIEW_REJECTED,
    Decision.REQUEST_CHANGES: actions.REVIEW_CHANGES_REQUESTED,
}


def field_plans(submission: Submission) -> list[FieldPlan]:
    """Return the field plans of the rule the submission was redacted under."""
    rows = policy_language.field_plan(
        submission.rule, submission.indicator_type.key, submission.indicator_type.fields
    )
    return [FieldPlan(*row) for row in rows]


def _validate_decision(
    decision: str, reason: str, extra: dict[str, str]
) -> tuple[str, str, dict[str, str]]:
    errors = []
    if decision not in Decision.values:
        errors.append({"field": "decision", "message": f"Unknown decision {decision!r}."})
    reason = (reason or "").strip()
    if decision in (Decision.REJECT, Decision.REQUEST_CHANGES) and not reason:
        errors.append({"field": "reason", "message": "A reason is required for this decision."})
    if not isinstance(extra, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in extra.items()
    ):
        errors.append(
            {"field": "extra_redactions", "message": "Give a field name → action mapping."}
        )
    elif extra and decision != Decision.APPROVE:
        errors.append(
            {
                "field": "extra_redactions",
                "message": "Extra redactions go with an approval only.",
            }
        )
    if errors:
        raise ValidationFailed("The decision is incomplete.", errors=errors)
    return decision, reason, {k: v.strip() for k, v in extra.items() if v.strip()}


def _apply_extra(submission: Submission, extra: dict[str, str]) -> None:
    try:
        result = apply_extra_redactions(
            submission.redacted_payload, extra, field_plans(submission), key=pseudonym_key()
        )
    except RedactionError as exc:
        field = str(exc).split("'")[1] if "'" in str(exc) else ""
        raise ValidationFailed(
            f"Refused: {exc}.",
            errors=[{"field": f"extra_redactions.{field}".rstrip("."), "message": str(exc)}],
        ) from exc
    submission.redacted_payload = result.payload
    submission.redaction_report = [*submission.redaction_report, *result.report]
    submission.redacted_sha256 = canonical_sha256(result.payload)


@transaction.atomic
def review_task_decide(
    *,
    actor,
    task: ReviewTask,
    decision: str,
    reason: str = "",
    extra_redactions: dict[str, str] | None = None,
) -> ReviewTask:
    """Record the assignee's decision on a claimed task and move the submission on."""
    decision, reason, extra = _validate_decision(decision, reason, extra_redactions or {})
    task = _locked_task(task)
    submission = Submission.objects.select_related("organization", "indicator_type").get(
        pk=task.submission_id
    )
    if task.state != TaskState.CLAIMED or submission.state != lifecycle.IN_REVIEW:
        raise Conflict("This task is no longer awaiting a decision.")
    if task.assignee_id != actor.pk:
        raise AccessDenied("Claim the task before deciding it.", code="review_not_allowed")
    _require_eligible(actor, task)
    now = timezone.now()
    if extra:
        _apply_extra(submission, extra)
        submission.save(update_fields=["redacted_payload", "redaction_report", "redacted_sha256"])
    task.state = TaskState.DECIDED
    task.decision = decision
    task.reason = reason
    task.extra_redactions = extra
    task.redacted_sha256 = submission.redacted_sha256
    task.decided_by = actor
    task.decided_at = now
    task.save(
        update_fields=[
            "state",
            "decision",
            "reason",
            "extra_redactions",
            "redacted_sha256",
            "decided_by",
            "decided_at",
        ]
    )
    audit_record(
        actor=actor,
        action=_DECISION_ACTIONS[decision],
        obj=task,
        organization=submission.organization,
        data=_task_data(
            task,
            reviewer=actor.get_username(),
            reason=reason,
            redacted_sha256=submission.redacted_sha256,
            extra_redactions=extra,
        ),
    )
    if decision == Decision.APPROVE:
        following = (
            ReviewTask.objects.select_related("queue")
            .filter(submission=submission, round=task.round, state=TaskState.WAITING)
            .order_by("position")
            .first()
        )
        if following is not None:
            following.state = TaskState.OPEN
            following.opened_at = now
            following.due_at = now + timedelta(hours=following.queue.sla_hours)
            following.save(update_fields=["state", "opened_at", "due_at"])
            enqueue_on_commit("sharing.tasks.notify_reviewers_task", task_ids=[following.pk])
            return task
        _conclude(submission, actor, lifecycle.APPROVED, actions.SUBMISSION_APPROVED, reason)
        indicator_publish(actor=actor, submission=submission)
    elif decision == Decision.REJECT:
        _conclude(submission, actor, lifecycle.REJECTED, actions.SUBMISSION_REJECTED, reason)
    else:
        _conclude(
            submission,
            actor,
            lifecycle.CHANGES_REQUESTED,
            actions.SUBMISSION_CHANGES_REQUESTED,
            reason,
        )
    return task


def _conclude(submission: Submission, actor, target: str, action: str, reason: str) -> None:
    ReviewTask.objects.filter(
        submission=submission, state__in=[TaskState.WAITING, TaskState.OPEN]
    ).update(state=TaskState.CANCELLED)
    if target != lifecycle.CHANGES_REQUESTED:
        submission.decided_at = timezone.now()
    record_transition(submission=submission, target=target, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        action=action,
        obj=submission,
        organization=submission.organization,
        data={
            "round": submission.review_round,
            "reason": reason,
            "redacted_sha256": submission.redacted_sha256,
            **_policy_citation(submission),
        },
    )
    enqueue_on_commit(
        "sharing.tasks.notify_submitter_task", submission_id=str(submission.pk), state=target
    )


@transaction.atomic
def review_original_viewed(*, actor, task: ReviewTask) -> None:
    """Record that a reviewer opened the original of the task's submission.

    A reload of the same task by the same reviewer within ORIGINAL_VIEW_WINDOW records nothing.
    """
    _require_eligible(actor, task)
    submission = task.submission
    if audit_recorded_since(
        actor=actor,
        action=actions.SUBMISSION_ORIGINAL_VIEWED,
        obj=submission,
        since=timezone.now() - lifecycle.ORIGINAL_VIEW_WINDOW,
        data={"task_id": task.pk},
    ):
        return
    audit_record(
        actor=actor,
        action=actions.SUBMISSION_ORIGINAL_VIEWED,
        obj=submission,
        organization=submission.organization,
        data={"task_id": task.pk, "payload_sha256": submission.payload_sha256},
    )
