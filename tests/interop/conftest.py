"""Interop fixtures: the baseline policy in force and indicators published through review."""

from __future__ import annotations

import pytest


@pytest.fixture
def publish(baseline_policy, users, orgs):
    """Return a helper: Acme's analyst submits a network indicator, Acme's legal approves it."""
    from sharing.models import ReviewTask, SharedIndicator
    from sharing.services.intake import submission_create
    from sharing.services.publication import marking_acknowledge
    from sharing.services.review import review_task_claim, review_task_decide

    # Recipients accept the handling terms of the baseline's network markings before reading.
    for user in users.values():
        for marking in ("TLP:AMBER", "PAP:GREEN"):
            marking_acknowledge(actor=user, marking=marking)

    def make(ip: str, *, notes: str | None = None) -> SharedIndicator:
        payload = {"ip": ip, "first_seen": "2025-02-01T10:00:00Z"}
        if notes:
            payload["analyst_notes"] = notes
        submission = submission_create(
            actor=users["analyst"],
            organization=orgs["acme"],
            indicator_type="network-infrastructure",
            payload=payload,
            source="ui",
        )
        return approve(submission)

    def approve(submission) -> SharedIndicator:
        reviewer = users["legal_reviewer"]
        task = ReviewTask.objects.get(submission=submission, state="open")
        task = review_task_claim(actor=reviewer, task=task)
        review_task_decide(actor=reviewer, task=task, decision="approve")
        return SharedIndicator.objects.get(submission=submission)

    make.approve = approve
    return make
