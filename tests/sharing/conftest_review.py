"""Review and publication test helpers: policies with chosen audiences, submissions in review.

Test modules import the fixtures they need from here (pytest collects imported fixtures).
"""

from __future__ import annotations

import hashlib

import pytest
import rfc8785

from audit.actors import SYSTEM
from governance.roles import Role
from governance.selectors import effective_rule
from sharing.keys import pseudonym_key
from sharing.models import Source, Submission
from sharing.redaction import FieldPlan, redact
from tests.factories import member_user
from tests.governance.conftest import approve_rules, baseline_rules, catalog  # noqa: F401

ACCOUNT_CLUSTER = {
    "cluster_size": 42,
    "email_domain": "mailinator.example",
    "emails": ["bot1@mailinator.example", "bot2@mailinator.example"],
    "signup_window_start": "2025-05-01T10:17:00Z",
    "signup_ip": "203.0.113.77",
    "detection_method": "behavioural",
    "analyst_notes": "Scripted signups through one relay.",
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


def _digest(payload: dict) -> str:
    return hashlib.sha256(rfc8785.dumps(payload)).hexdigest()


def _audience_slugs(audience) -> list[str]:
    from governance.selectors import member_org_slugs

    if audience == "all_members":
        return member_org_slugs()
    if audience == "secretariat_only":
        return []
    return list(audience)


def submit(*, user, organization, indicator_type, payload=None, flags=None) -> Submission:
    """Submit `payload` the way intake does and start its review; return the submission."""
    from sharing.services.review import review_start

    payload = dict(ACCOUNT_CLUSTER if payload is None else payload)
    found, reason = effective_rule(organization=organization, indicator_type=indicator_type)
    assert found is not None, reason
    plans = [FieldPlan(*row) for row in found.field_plan]
    result = redact(payload, plans, key=pseudonym_key())
    rule = found.rule
    submission = Submission.objects.create(
        organization=organization,
        submitted_by=user,
        indicator_type=indicator_type,
        schema_version=indicator_type.schema_version,
        payload=payload,
        payload_sha256=_digest(payload),
        redacted_payload=result.payload,
        redacted_sha256=_digest(result.payload),
        redaction_report=result.report,
        flags=list(flags or []),
        policy_version=found.policy_version,
        policy_content_hash=found.policy_version.content_hash,
        rule_path=found.rule_path,
        rule=rule,
        tlp=rule["tlp"],
        pap=rule["pap"],
        audience=_audience_slugs(rule["audience"]),
        anonymize_contributor=bool(rule.get("anonymize_contributor")),
        retention_days=rule.get("retention_days"),
        review_stages=list(rule.get("review", [])),
        source=Source.API,
    )
    return review_start(submission=submission)


@pytest.fixture
def policy(catalog, users):  # noqa: F811
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
def make_submission(catalog, users, orgs):  # noqa: F811
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


__all__ = [
    "ACCOUNT_CLUSTER",
    "SYSTEM",
    "acme_legal2",
    "catalog",
    "make_submission",
    "policy",
    "submit",
    "two_org_policy",
]
