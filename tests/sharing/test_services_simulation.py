"""Policy simulation: what a draft would change, and that it matches what intake then does."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from config.errors import AccessDenied, Conflict
from governance.services.policy import (
    policy_version_approve,
    policy_version_draft_create,
    policy_version_submit,
)
from sharing.models import Submission
from sharing.services.simulation import policy_simulate
from tests.sharing.fixtures import ACCOUNT_CLUSTER, review_rules, submit

PROXY = {
    "service_name": "KeyBazaar",
    "domain": "keybazaar.example",
    "service_model": "key-resale",
}


def _rules(**changes):
    rules = review_rules(review=[])
    rules["indicator_types"]["proxy-service"]["review"] = []
    for key in ("account-cluster", "proxy-service"):
        # Structured only, so that they auto-publish (free text would be held for review).
        rules["indicator_types"][key]["fields"]["analyst_notes"] = "drop"
    for key, value in changes.items():
        rules["indicator_types"]["account-cluster"][key] = value
    return rules


@pytest.fixture
def decided(approved_policy, catalog, users, orgs):
    approved_policy(_rules())
    return [
        submit(
            user=users["analyst"],
            organization=orgs["acme"],
            indicator_type=catalog["account-cluster"],
            payload=dict(ACCOUNT_CLUSTER),
        ),
        submit(
            user=users["other_analyst"],
            organization=orgs["globex"],
            indicator_type=catalog["proxy-service"],
            payload=dict(PROXY),
        ),
    ]


@pytest.fixture
def draft(users):
    rules = _rules(audience=["acme", "globex"])
    rules["indicator_types"]["account-cluster"]["fields"]["email_domain"] = "drop"
    rules["indicator_types"]["proxy-service"] = {"share": False}
    return policy_version_draft_create(actor=users["member_admin"], rules=rules)


def test_simulation_reports_refusals_redactions_and_audiences(users, decided, draft):
    result = policy_simulate(actor=users["counsel"], version=draft, limit=10)
    summary = result.summary()
    assert summary["compared"] == 2 and summary["newly_refused"] == 1
    assert summary["newly_redacted_fields"] == 1 and summary["audience_changes"] == 2
    by_type = {c.submission.indicator_type.key: c for c in result.changes}
    cluster = by_type["account-cluster"]
    [change] = cluster.field_changes
    assert (change.field, change.before, change.after, change.direction) == (
        "email_domain",
        "keep",
        "drop",
        "stricter",
    )
    assert cluster.audience_removed == ["initech"]
    assert by_type["proxy-service"].newly_refused
    event = AuditEvent.objects.filter(action="policy.simulated").latest("seq")
    assert event.data["number"] == draft.number and event.data["newly_refused"] == 1


def test_simulation_matches_what_intake_does_once_approved(users, orgs, catalog, decided, draft):
    simulated = {
        c.submission.pk: c.simulated
        for c in policy_simulate(actor=users["counsel"], version=draft, limit=10).changes
    }
    pending = policy_version_submit(actor=users["member_admin"], version=draft)
    policy_version_approve(actor=users["counsel"], version=pending, statement="Narrower sharing.")
    for original in decided:
        again = submit(
            user=original.submitted_by,
            organization=original.organization,
            indicator_type=original.indicator_type,
            payload=dict(original.payload),
        )
        expected = simulated[original.pk]
        assert (again.state == "refused") == expected.refused
        if expected.refused:
            continue
        assert again.redacted_payload == expected.redacted_payload
        assert again.redaction_report == expected.redaction_report
        assert sorted(again.audience) == sorted(expected.audience)
        assert (again.tlp, again.pap) == (expected.tlp, expected.pap)


def test_purged_originals_are_counted_not_simulated(users, decided, draft):
    Submission.objects.filter(pk=decided[0].pk).update(payload=None)
    result = policy_simulate(actor=users["counsel"], version=draft, limit=10)
    assert result.purged == 1 and len(result.changes) == 1


def test_only_counsel_simulate(users, decided, draft):
    for role in ("analyst", "member_admin", "regulator"):
        with pytest.raises(AccessDenied):
            policy_simulate(actor=users[role], version=draft)


def test_an_approved_version_is_not_simulated(users, decided):
    from governance.selectors.policy import policy_version_in_force

    with pytest.raises(Conflict):
        policy_simulate(actor=users["counsel"], version=policy_version_in_force())


def test_simulation_page_and_api(client, users, decided, draft):
    client.force_login(users["counsel"])
    page = client.post(reverse("insights-simulation"), {"version": draft.pk, "limit": 5})
    body = page.content.decode()
    assert page.status_code == 200 and "Newly refused: 1" in body and "email_domain" in body
    response = client.post(
        reverse("api-simulations"),
        data=json.dumps({"policy_version": draft.pk, "limit": 5}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["summary"]["newly_refused"] == 1
    bad = client.post(
        reverse("api-simulations"),
        data=json.dumps({"policy_version": draft.pk, "limit": 0}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    client.force_login(users["member_admin"])
    assert client.get(reverse("insights-simulation")).status_code == 403
    response = client.post(
        reverse("api-simulations"),
        data=json.dumps({"policy_version": draft.pk}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_simulation_shows_free_text_a_version_would_hold_for_review(client, users, decided):
    rules = _rules()
    rules["indicator_types"]["account-cluster"]["fields"]["analyst_notes"] = "scrub"
    version = policy_version_draft_create(actor=users["member_admin"], rules=rules)
    result = policy_simulate(actor=users["counsel"], version=version, limit=10)
    assert result.summary()["held_for_review"] == 1
    [warning] = result.warnings
    assert warning.path == "indicator_types.account-cluster.review"
    cluster = next(
        c for c in result.changes if c.submission.indicator_type.key == "account-cluster"
    )
    assert cluster.review_changed and cluster.simulated.review_stages == ["origin"]
    assert cluster.simulated.held.endswith("keeps free text in analyst_notes")
    client.force_login(users["counsel"])
    page = client.post(reverse("insights-simulation"), {"version": version.pk, "limit": 5})
    body = page.content.decode()
    assert "Held for review (free text or a flag under a rule without review): 1" in body
    assert 'data-testid="simulation-warnings"' in body and 'data-testid="held"' in body
