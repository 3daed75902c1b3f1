"""Sharing fixtures and helpers: sample payloads, policies with chosen audiences, submissions
in review, published indicators.

A pytest plugin (`pytest_plugins` in tests/conftest.py): test modules use its fixtures by name
and import only its plain helpers.
"""

from __future__ import annotations

import pytest

from governance.roles import Role
from sharing.models import Source, Submission
from tests.factories import member_user
from tests.governance.fixtures import approve_rules, baseline_rules

ACCOUNT_CLUSTER = {
    "cluster_size": 42,
    "email_domain": "mailinator.example",
    "emails": ["bot1@mailinator.example", "bot2@mailinator.example"],
    "signup_window_start": "2025-05-01T10:17:00Z",
    "signup_ip": "203.0.113.77",
    "detection_method": "velocity",
    "analyst_notes": "Scripted signups through one relay.",
}
PRICE_SENTENCE = "We charge $4 per million tokens on our enterprise plan."

PROXY_SERVICE = {
    "service_name": "KeyBazaar",
    "domain": "keybazaar.example",
    "service_model": "key-resale",
    "analyst_notes": "Sells pooled API keys in bulk on a public forum.",
}


def review_rules(*, audience=None, review=None, type_key: str = "account-cluster") -> dict:
    """Return the baseline rules with `type_key`'s audience and review stages changed."""
    rules = baseline_rules()
    rule = rules["indicator_types"][type_key]
    if audience is not None:
        rule["audience"] = audience
    if review is not None:
        rule["review"] = review
    return rules


def submit(*, user, organization, indicator_type, payload=None) -> Submission:
    """Submit `payload` through intake (which starts review); return the submission."""
    from sharing.services.intake import submission_create

    return submission_create(
        actor=user,
        organization=organization,
        indicator_type=indicator_type,
        payload=dict(ACCOUNT_CLUSTER if payload is None else payload),
        source=Source.API,
    )


@pytest.fixture
def policy(catalog, users):
    """Return a helper that puts rules in force (member admin drafts, counsel approves)."""

    def make(**changes):
        return approve_rules(
            review_rules(**changes), drafter=users["member_admin"], approver=users["counsel2"]
        )

    return make


@pytest.fixture
def two_org_policy(policy):
    """Account clusters go to acme and globex only (initech is the outsider)."""
    return policy(audience=["acme", "globex"])


@pytest.fixture
def make_submission(catalog, users, orgs):
    """Return a helper that submits an account cluster from acme's analyst."""

    def make(*, user=None, organization=None, type_key="account-cluster", **kwargs):
        return submit(
            user=user or users["analyst"],
            organization=organization or orgs["acme"],
            indicator_type=catalog[type_key],
            **kwargs,
        )

    return make


@pytest.fixture
def acme_legal2(orgs):
    """A second legal reviewer at acme (for two-reviewer races)."""
    return member_user("acme-legal2", orgs["acme"], Role.LEGAL_REVIEWER)


def publish(submission, users):
    """Walk a two-stage submission through both approvals; return its indicator."""
    from sharing.models import Decision, SharedIndicator
    from sharing.services.review import review_task_claim, review_task_decide

    for stage, user in (("origin", users["legal_reviewer"]), ("forum", users["counsel"])):
        task = submission.review_tasks.get(stage=stage, round=submission.review_round)
        review_task_claim(actor=user, task=task)
        review_task_decide(actor=user, task=task, decision=Decision.APPROVE)
    return SharedIndicator.objects.get(submission=submission)


@pytest.fixture
def published(two_org_policy, make_submission, users):
    """An account cluster from acme, published to acme and globex (initech is outside)."""
    return publish(make_submission(), users)


def acknowledge_all(user, indicator):
    from sharing.services.publication import indicator_markings, marking_acknowledge

    for marking in indicator_markings(indicator):
        marking_acknowledge(actor=user, marking=marking)
