"""Demo data for correlation and statistics (called by the sharing demo after its own seed).

Three labs report the same attacker account cluster (same farm addresses and device
fingerprint, so the same pseudonyms), and older traffic anomalies feed two statistics: one the
safety zone publishes and one it withholds (the baseline asks for five contributors; the demo
forum has three). Everything goes through the services: intake, both review stages, a policy
version approved by counsel, and the secretariat's compilation. Idempotent.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from governance.models import Organization, PolicyStatus, PolicyVersion
from governance.selectors.policy import policy_version_in_force
from governance.services.policy import (
    policy_version_approve,
    policy_version_draft_create,
    policy_version_submit,
)
from sharing.core import lifecycle
from sharing.models import ReviewTask, Source, Statistic, Submission, TaskState
from sharing.services.correlation import correlation_reindex
from sharing.services.intake import submission_create
from sharing.services.review import review_task_claim, review_task_decide
from sharing.services.statistics import statistic_compile

LABS = ("northwind", "halcyon", "meridian")
ATTACKER_EMAILS = ["distill.farm.017@mailinator.example", "distill.farm.018@mailinator.example"]
ATTACKER_FINGERPRINT = "fp:7c1e-canvas-webgl-9a42"
PUBLISHED_STATISTIC = "weekly-anomaly-kinds"
WITHHELD_STATISTIC = "weekly-campaign-volume"
ANOMALY_KINDS = ("systematic-coverage", "output-length-maximisation")


def _cluster(slug: str) -> dict:
    return {
        "cluster_size": 40,
        "emails": [*ATTACKER_EMAILS, f"{slug}.signup.{len(slug)}@mailinator.example"],
        "email_domain": "mailinator.example",
        "signup_window_start": "2026-02-10T08:00:00Z",
        "device_fingerprint": ATTACKER_FINGERPRINT,
        "detection_method": "fingerprint-reuse",
    }


def _anomaly(index: int, kind: str) -> dict:
    start = timezone.now() - timedelta(days=120 + 7 * index)
    return {
        "window_start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "window_end": (start + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "anomaly_kind": kind,
        "attacker_requests": 400_000 + index,
    }


def _demo_policy() -> None:
    """Put in force a version adding a statistic that a three-lab forum can publish."""
    current = policy_version_in_force()
    if current is None or PUBLISHED_STATISTIC in (current.rules.get("aggregates") or {}):
        return
    User = get_user_model()
    rules = dict(current.rules)
    rules["aggregates"] = {
        **(rules.get("aggregates") or {}),
        PUBLISHED_STATISTIC: {
            "min_contributors": 3,
            "max_contributor_share": 0.5,
            "min_age_days": 90,
            "type": "traffic-anomaly",
            "technique_field": "anomaly_kind",
        },
    }
    drafter = User.objects.get(username="northwind-admin")
    version = PolicyVersion.objects.filter(
        status=PolicyStatus.DRAFT, drafted_by=drafter, rules=rules
    ).first() or policy_version_draft_create(actor=drafter, rules=rules)
    version = policy_version_submit(actor=drafter, version=version)
    policy_version_approve(
        actor=User.objects.get(username="counsel"),
        version=version,
        statement="Demo: a weekly statistic a three-lab forum can publish inside the safety zone.",
    )


def _review_to_publication(submission: Submission) -> None:
    User = get_user_model()
    reviewers = {
        "origin": User.objects.get(username=f"{submission.organization.slug}-legal"),
        "forum": User.objects.get(username="counsel"),
    }
    while True:
        submission.refresh_from_db()
        task = (
            ReviewTask.objects.filter(submission=submission, state=TaskState.OPEN)
            .order_by("position")
            .first()
        )
        if task is None or submission.state != lifecycle.IN_REVIEW:
            return
        reviewer = reviewers[task.stage]
        task = review_task_claim(actor=reviewer, task=task)
        review_task_decide(actor=reviewer, task=task, decision="approve")


def _submit(slug: str, reference: str, type_key: str, payload: dict) -> None:
    User = get_user_model()
    submission = submission_create(
        actor=User.objects.get(username=f"{slug}-analyst"),
        organization=Organization.objects.get(slug=slug),
        indicator_type=type_key,
        payload=payload,
        source=Source.UI,
        client_reference=reference,
    )
    _review_to_publication(submission)


def seed(stdout=None) -> dict[str, int]:
    """Publish the shared attacker cluster and old anomalies, compile both statistics."""
    _demo_policy()
    for slug in LABS:
        _submit(slug, f"demo-insights-cluster-{slug}", "account-cluster", _cluster(slug))
        for index, kind in enumerate(ANOMALY_KINDS):
            _submit(
                slug,
                f"demo-insights-anomaly-{slug}-{index}",
                "traffic-anomaly",
                _anomaly(LABS.index(slug) * 2 + index, kind),
            )
    indexed = correlation_reindex()
    counsel = get_user_model().objects.get(username="counsel")
    compiled = 0
    for name in (PUBLISHED_STATISTIC, WITHHELD_STATISTIC):
        if not Statistic.objects.filter(name=name).exists():
            statistic_compile(actor=counsel, name=name)
            compiled += 1
    if stdout is not None:
        stdout.write(f"correlation tokens indexed: {indexed}, statistics compiled: {compiled}")
    return {"tokens": indexed, "statistics": compiled}
