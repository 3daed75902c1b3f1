"""Governance pages: who sees what, the draft editor keeps text on error, counsel decides."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from governance.models import ApiToken, PolicyStatus, PolicyVersion
from governance.services.policy import policy_version_draft_create, policy_version_submit
from tests.governance.fixtures import BASELINE_PATH, baseline_rules

pytestmark = pytest.mark.django_db

ROLES = ["analyst", "member_admin", "legal_reviewer", "counsel", "regulator", "other_admin"]

PAGES = {
    # url name: roles that get 200 (others 403)
    "catalog": set(ROLES),
    "policy-versions": {"member_admin", "counsel", "regulator", "other_admin"},
    "policy-in-force": {"member_admin", "counsel", "regulator", "other_admin"},
    "policy-draft-new": {"member_admin", "counsel", "other_admin"},
    "org-overrides": {"member_admin", "other_admin"},
    "api-tokens": {"member_admin", "other_admin"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_access_per_role(baseline_policy, client, users, role, name):
    client.force_login(users[role])
    response = client.get(reverse(name))
    assert response.status_code == (200 if role in PAGES[name] else 403)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_navigation_shows_policy_pages_by_role(baseline_policy, client, users):
    client.force_login(users["counsel"])
    html = client.get(reverse("dashboard")).content.decode()
    assert reverse("policy-versions") in html and reverse("api-tokens") not in html
    client.force_login(users["member_admin"])
    html = client.get(reverse("dashboard")).content.decode()
    assert reverse("org-overrides") in html and reverse("api-tokens") in html


def test_draft_with_errors_keeps_text_and_shows_paths(catalog, client, users):
    client.force_login(users["member_admin"])
    text = BASELINE_PATH.read_text().replace("tlp: AMBER+STRICT", "tlp: PURPLE", 1)
    response = client.post(reverse("policy-draft-new"), {"text": text})
    assert response.status_code == 200
    html = response.content.decode()
    assert "indicator_types.account-cluster.tlp" in html
    assert "tlp: PURPLE" in html
    assert not PolicyVersion.objects.exists()
    response = client.post(reverse("policy-draft-new"), {"text": BASELINE_PATH.read_text()})
    version = PolicyVersion.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "policy-version", args=[version.pk]
    )
    detail = client.get(response["Location"]).content.decode()
    assert "Account cluster" in detail and "generalize:ipv4/24" in detail


def test_edit_then_submit_draft(catalog, client, users):
    admin = users["member_admin"]
    version = policy_version_draft_create(actor=admin, rules=baseline_rules())
    client.force_login(admin)
    edit_url = reverse("policy-draft-edit", args=[version.pk])
    assert client.get(edit_url).status_code == 200
    text = BASELINE_PATH.read_text().replace("retention_days: 180", "retention_days: 90", 1)
    assert client.post(edit_url, {"text": text}).status_code == 302
    client.post(reverse("policy-version-submit", args=[version.pk]))
    version.refresh_from_db()
    assert version.status == PolicyStatus.PENDING_APPROVAL
    assert client.get(edit_url).status_code == 403


def test_counsel_sees_diff_and_approves(baseline_policy, client, users):
    admin = users["member_admin"]
    rules = baseline_rules()
    rules["indicator_types"]["account-cluster"]["fields"]["signup_ip"] = "drop"
    version = policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=rules)
    )
    client.force_login(users["counsel"])
    url = reverse("policy-version-review", args=[version.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="diff-account-cluster"' in html
    assert "signup_ip" in html and "generalize:ipv4/24" in html
    response = client.post(url, {"decision": "approve", "statement": ""})
    assert response.status_code == 200
    version.refresh_from_db()
    assert version.status == PolicyStatus.PENDING_APPROVAL
    response = client.post(url, {"decision": "approve", "statement": "Stricter on IPs."})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == PolicyStatus.APPROVED
    history = client.get(reverse("policy-versions")).content.decode()
    assert "Superseded" in history and "Approved" in history


def test_drafter_cannot_open_their_own_review_page(catalog, client, users):
    counsel = users["counsel"]
    version = policy_version_submit(
        actor=counsel, version=policy_version_draft_create(actor=counsel, rules=baseline_rules())
    )
    client.force_login(counsel)
    assert client.get(reverse("policy-version-review", args=[version.pk])).status_code == 403


def test_in_force_page_answers_for_a_time(baseline_policy, client, users):
    client.force_login(users["regulator"])
    html = client.get(reverse("policy-in-force"), {"at": "2001-01-01T00:00"}).content.decode()
    assert "no policy version was in force" in html
    html = client.get(reverse("policy-in-force")).content.decode()
    assert baseline_policy.approved_hash in html
    bad = client.get(reverse("policy-in-force"), {"at": "not a time"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_override_page_refuses_looser_rules(baseline_policy, client, users):
    client.force_login(users["member_admin"])
    response = client.post(
        reverse("org-overrides"), {"text": "account-cluster:\n  retention_days: 999\n"}
    )
    html = response.content.decode()
    assert "account-cluster.retention_days" in html and "retention_days: 999" in html
    response = client.post(
        reverse("org-overrides"), {"text": "account-cluster:\n  retention_days: 30\n"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="org_override.changed").count() == 1


def test_api_token_page_shows_secret_once_and_revokes(catalog, client, users):
    client.force_login(users["member_admin"])
    response = client.post(
        reverse("api-tokens"),
        {"user": users["analyst"].pk, "name": "pipeline", "scopes": ["read", "submit"]},
    )
    token = ApiToken.objects.get()
    html = response.content.decode()
    assert 'data-testid="token-secret"' in html
    assert 'data-testid="token-secret"' not in client.get(reverse("api-tokens")).content.decode()
    client.force_login(users["other_admin"])
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 404
    client.force_login(users["member_admin"])
    client.post(reverse("api-token-revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_api_token_page_cannot_issue_to_outsiders(catalog, client, users):
    client.force_login(users["member_admin"])
    response = client.post(
        reverse("api-tokens"),
        {"user": users["other_analyst"].pk, "name": "sneaky", "scopes": ["read"]},
    )
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_counsel_dashboard_counts_versions_awaiting_approval(catalog, client, users):
    admin = users["member_admin"]
    policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=baseline_rules())
    )
    client.force_login(users["counsel"])
    html = client.get(reverse("dashboard")).content.decode()
    assert "Policy versions awaiting your approval" in html
    client.force_login(users["regulator"])
    assert "awaiting your approval" not in client.get(reverse("dashboard")).content.decode()


def test_counsel_is_told_which_auto_publishing_types_keep_free_text(baseline_policy, client, users):
    admin = users["member_admin"]
    rules = baseline_rules()
    rules["indicator_types"]["automation-client"]["fields"]["analyst_notes"] = "scrub"
    version = policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=rules)
    )
    expected = (
        "automation-client auto-publishes but keeps free text `analyst_notes` (scrub): every "
        "such submission will be reviewed (origin stage)."
    )
    client.force_login(admin)
    detail = client.get(reverse("policy-version", args=[version.pk])).content.decode()
    assert 'data-testid="policy-warning"' in detail and expected in detail.replace("&#x27;", "'")
    client.force_login(users["counsel"])
    review = client.get(reverse("policy-version-review", args=[version.pk])).content.decode()
    assert expected in review
    in_force = client.get(reverse("policy-version", args=[baseline_policy.pk])).content.decode()
    assert 'data-testid="policy-warning"' not in in_force
