"""Plans of intake: what one object leaves behind, built once for both writers.

An object that passed the checks becomes an `IntakePlan`: its submission in its final state,
its history rows, its review tasks, its indicator when it auto-publishes, and its audit events
in the order they are appended. Nothing here writes; the only reads are the review queues,
through the `queue_for` the caller passes (a batch caches them). `sharing.services.intake_write`
writes plans: one through the ORM (`plan_write`), many set-based (`plans_write`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from audit import actions
from audit.actors import SYSTEM
from audit.services.log import AuditSpec
from governance.selectors.policy import EffectiveRule
from sharing.core import lifecycle
from sharing.models import (
    ReviewQueue,
    ReviewTask,
    SharedIndicator,
    Submission,
    SubmissionTransition,
)
from sharing.services import publication, review

QueueFor = Callable[[str, Any], ReviewQueue]


@dataclass
class IntakePlan:
    """The unsaved rows and the audit events of one object, in the order they are written."""

    submission: Submission
    history: list[SubmissionTransition] = field(default_factory=list)
    tasks: list[ReviewTask] = field(default_factory=list)
    indicator: SharedIndicator | None = None
    events: list[AuditSpec] = field(default_factory=list)

    def move(self, target: str, actor, reason: str = "") -> None:
        """Move the submission to `target` in memory and keep the history row."""
        previous = self.submission.apply_transition(target)
        self.history.append(
            SubmissionTransition(
                **publication.history_row(self.submission, actor, previous, target, reason)
            )
        )

    def event(self, actor, action: str, obj, data: dict) -> None:
        self.events.append(AuditSpec(actor, action, obj, data, self.submission.organization))


def plan_refused(*, actor, submission: Submission, reason: str, source: str) -> IntakePlan:
    """Return the plan of a submission the policy refuses: kept `refused`, with its reason."""
    plan = IntakePlan(submission)
    submission.refusal_reason = reason
    plan.move(lifecycle.REFUSED, actor, reason)
    plan.event(actor, actions.SUBMISSION_REFUSED, submission, refused_data(submission, source))
    return plan


def plan_accepted(
    *,
    actor,
    submission: Submission,
    rule: EffectiveRule,
    source: str,
    now,
    queue_for: QueueFor,
) -> IntakePlan:
    """Return the plan of a submission accepted under `rule`: created, then in review or
    auto-published. Raise Conflict (before anything is planned) when a stage has no queue."""
    plan = IntakePlan(submission)
    # The queues first: a stage nobody can review refuses the object before any row is kept.
    stages = review.review_stages_for(submission)
    tasks = review.new_review_tasks(submission, stages, now, queue_for)
    plan.history.append(
        SubmissionTransition(**publication.history_row(submission, actor, "", lifecycle.SUBMITTED))
    )
    plan.event(
        actor, actions.SUBMISSION_CREATED, submission, created_data(submission, rule, source)
    )
    _plan_review(plan, stages, tasks, now)
    return plan


def plan_review(*, submission: Submission, now, queue_for: QueueFor) -> IntakePlan:
    """Return the plan of putting a submitted or resubmitted submission in review (or
    auto-publishing it), as intake and resubmission start a review round."""
    stages = review.review_stages_for(submission)
    tasks = review.new_review_tasks(submission, stages, now, queue_for)
    plan = IntakePlan(submission)
    _plan_review(plan, stages, tasks, now)
    return plan


def _plan_review(plan: IntakePlan, stages: list[str], tasks: list[ReviewTask], now) -> None:
    """Plan review: in review with its tasks, or, with no stage, approved and published by the
    system citing the rule (a flag or free text always has a stage: `review_stages_for`)."""
    submission = plan.submission
    plan.move(lifecycle.IN_REVIEW, SYSTEM, review.review_hold_reason(submission))
    plan.event(
        SYSTEM,
        actions.SUBMISSION_IN_REVIEW,
        submission,
        review.in_review_data(submission, stages),
    )
    if stages:
        plan.tasks = tasks
        return
    submission.decided_at = now
    plan.move(lifecycle.APPROVED, SYSTEM, review.auto_publish_reason(submission))
    plan.event(
        SYSTEM, actions.SUBMISSION_APPROVED, submission, review.auto_approved_data(submission)
    )
    plan.move(lifecycle.PUBLISHED, SYSTEM)
    indicator = publication.new_indicator(submission, now)
    plan.indicator = indicator
    plan.event(
        SYSTEM,
        actions.INDICATOR_PUBLISHED,
        indicator,
        publication.published_data(indicator, submission),
    )


def refused_data(submission: Submission, source: str) -> dict[str, Any]:
    """Return the data of a `SUBMISSION_REFUSED` audit event."""
    itype = submission.indicator_type
    return {
        "indicator_type": itype.key,
        "schema_version": itype.schema_version,
        "payload_sha256": submission.payload_sha256,
        "reason": submission.refusal_reason,
        "source": source,
        "client_reference": submission.client_reference,
    }


def created_data(submission: Submission, rule: EffectiveRule, source: str) -> dict[str, Any]:
    """Return the data of a `SUBMISSION_CREATED` audit event."""
    itype = submission.indicator_type
    return {
        "indicator_type": itype.key,
        "schema_version": itype.schema_version,
        "payload_sha256": submission.payload_sha256,
        "redacted_sha256": submission.redacted_sha256,
        "redactions": redaction_summary(submission.redaction_report),
        "policy_version": rule.policy_version.number,
        "policy_content_hash": submission.policy_content_hash,
        "rule_path": rule.rule_path,
        "overridden": rule.overridden,
        "flags": flag_summary(submission.flags),
        "detector_version": submission.detector_version,
        "source": source,
        "client_reference": submission.client_reference,
    }


def redaction_summary(report: list[dict]) -> dict[str, int]:
    """Return how many fields each kind of action changed (``mask:4`` counts as ``mask``).

    Kinds only, never a field's name or value: the public transparency report counts these.
    """
    summary: dict[str, int] = {}
    for entry in report:
        kind = str(entry.get("action", "")).split(":")[0]
        if kind and kind != "keep":
            summary[kind] = summary.get(kind, 0) + 1
    return dict(sorted(summary.items()))


def flag_summary(flags: list[dict]) -> dict[str, int]:
    """Return how many flags of each category `flags` holds, by category."""
    summary: dict[str, int] = {}
    for flag in flags:
        summary[flag["category"]] = summary.get(flag["category"], 0) + 1
    return dict(sorted(summary.items()))
