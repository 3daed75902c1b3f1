"""The governance API: every endpoint for every role, errors with paths, tokens."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from governance.models import ApiToken, PolicyStatus, PolicyVersion
from governance.services.accounts import api_token_create, api_token_revoke
from tests.governance.fixtures import BASELINE_PATH, baseline_rules

pytestmark = pytest.mark.django_db

ROLES = [
    "analyst",
    "member_admin",
    "legal_reviewer",
    "counsel",
    "regulator",
    "other_admin",
    None,
]


def _client(users, role) -> APIClient:
    client = APIClient()
    if role is not None:
        client.force_authenticate(users[role])
    return client


def _draft(client, rules=None):
    return client.post(
        reverse("api-policy-versions"), {"rules": rules or baseline_rules()}, format="json"
    )


CATALOG_ACCESS = {
    "analyst": 200,
    "member_admin": 200,
    "legal_reviewer": 200,
    "counsel": 200,
    "regulator": 200,
    "other_admin": 200,
    None: 401,
}


@pytest.mark.parametrize("role", ROLES)
def test_catalog_endpoints_per_role(catalog, users, role):
    client = _client(users, role)
    listing = client.get(reverse("api-indicator-types"))
    detail = client.get(reverse("api-indicator-type", args=["account-cluster"]))
    assert listing.status_code == CATALOG_ACCESS[role]
    assert detail.status_code == CATALOG_ACCESS[role]
    if listing.status_code == 200:
        assert {t["key"] for t in listing.json()} == set(catalog)
        schema = detail.json()["json_schema"]
        assert schema["additionalProperties"] is False
        assert "emails" in schema["properties"]


def test_unknown_indicator_type_is_404(catalog, users):
    response = _client(users, "analyst").get(reverse("api-indicator-type", args=["nope"]))
    assert response.status_code == 404


READ_POLICY = {
    "analyst": 403,
    "member_admin": 200,
    "legal_reviewer": 403,
    "counsel": 200,
    "regulator": 200,
    "other_admin": 200,
    None: 401,
}
DRAFT_POLICY = {
    "analyst": 403,
    "member_admin": 201,
    "legal_reviewer": 403,
    "counsel": 201,
    "regulator": 403,
    "other_admin": 201,
    None: 401,
}


@pytest.mark.parametrize("role", ROLES)
def test_policy_version_list_and_in_force_per_role(baseline_policy, users, role):
    client = _client(users, role)
    listing = client.get(reverse("api-policy-versions"))
    in_force = client.get(reverse("api-policy-in-force"))
    detail = client.get(reverse("api-policy-version", args=[baseline_policy.pk]))
    assert listing.status_code == READ_POLICY[role]
    assert in_force.status_code == READ_POLICY[role]
    assert detail.status_code == READ_POLICY[role]
    if in_force.status_code == 200:
        assert in_force.json()["approved_hash"] == baseline_policy.content_hash
        assert listing.json()["results"][0]["number"] == 1


@pytest.mark.parametrize("role", ROLES)
def test_create_draft_per_role(catalog, users, role):
    response = _draft(_client(users, role))
    assert response.status_code == DRAFT_POLICY[role]
    assert PolicyVersion.objects.count() == (1 if response.status_code == 201 else 0)


def test_create_draft_from_yaml_and_errors_with_paths(catalog, users):
    client = _client(users, "member_admin")
    bad = "indicator_types:\n  account-cluster:\n    share: true\n    tlp: PURPLE\n"
    response = client.post(reverse("api-policy-versions"), {"rules_yaml": bad}, format="json")
    assert response.status_code == 400
    paths = {e["field"] for e in response.json()["errors"]}
    assert "indicator_types.account-cluster.tlp" in paths
    response = client.post(reverse("api-policy-versions"), {}, format="json")
    assert response.status_code == 400
    text = BASELINE_PATH.read_text()
    response = client.post(reverse("api-policy-versions"), {"rules_yaml": text}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "draft"


UPDATE_SUBMIT = {
    "analyst": 403,
    "member_admin": 200,
    "legal_reviewer": 403,
    "counsel": 403,
    "regulator": 403,
    "other_admin": 403,
    None: 401,
}


@pytest.mark.parametrize("role", ROLES)
def test_update_and_submit_draft_per_role(catalog, users, role):
    created = _draft(_client(users, "member_admin")).json()
    client = _client(users, role)
    rules = baseline_rules()
    rules["indicator_types"]["account-cluster"]["retention_days"] = 30
    update = client.put(
        reverse("api-policy-version", args=[created["id"]]), {"rules": rules}, format="json"
    )
    submit = client.post(reverse("api-policy-version-submit", args=[created["id"]]))
    expected = UPDATE_SUBMIT[role]
    # Those who cannot read policy versions are refused before the drafter check.
    assert update.status_code == expected
    assert submit.status_code == expected
    if expected == 200:
        assert submit.json()["status"] == "pending_approval"
        frozen = client.put(
            reverse("api-policy-version", args=[created["id"]]),
            {"rules": baseline_rules()},
            format="json",
        )
        assert frozen.status_code == 409


DECIDE = {
    "analyst": 403,
    "member_admin": 403,
    "legal_reviewer": 403,
    "counsel": 200,
    "regulator": 403,
    "other_admin": 403,
    None: 401,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_approve_and_reject_per_role(catalog, users, role, action):
    admin = _client(users, "member_admin")
    created = _draft(admin).json()
    admin.post(reverse("api-policy-version-submit", args=[created["id"]]))
    response = _client(users, role).post(
        reverse(f"api-policy-version-{action}", args=[created["id"]]),
        {"statement": "Reviewed against the antitrust guidance."},
        format="json",
    )
    assert response.status_code == DECIDE[role]
    expected = {"approve": PolicyStatus.APPROVED, "reject": PolicyStatus.REJECTED}[action]
    status = PolicyVersion.objects.get(pk=created["id"]).status
    assert status == (expected if DECIDE[role] == 200 else PolicyStatus.PENDING_APPROVAL)


def test_counsel_cannot_approve_own_draft_via_api(catalog, users):
    client = _client(users, "counsel")
    created = _draft(client).json()
    client.post(reverse("api-policy-version-submit", args=[created["id"]]))
    response = client.post(
        reverse("api-policy-version-approve", args=[created["id"]]),
        {"statement": "Mine."},
        format="json",
    )
    assert response.status_code == 403
    missing = _client(users, "counsel2").post(
        reverse("api-policy-version-approve", args=[created["id"]]), {}, format="json"
    )
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "statement"


def test_in_force_at_a_bad_or_early_time(baseline_policy, users):
    client = _client(users, "regulator")
    bad = client.get(reverse("api-policy-in-force"), {"at": "yesterday-ish"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "at"
    early = client.get(reverse("api-policy-in-force"), {"at": "2001-01-01T00:00:00Z"})
    assert early.status_code == 404
    now = client.get(
        reverse("api-policy-in-force"), {"at": baseline_policy.effective_from.isoformat()}
    )
    assert now.status_code == 200 and now.json()["number"] == 1


OVERRIDE = {
    "analyst": 403,
    "member_admin": 200,
    "legal_reviewer": 403,
    "counsel": 403,
    "regulator": 403,
    "other_admin": 200,
    None: 401,
}


@pytest.mark.parametrize("role", ROLES)
def test_org_overrides_per_role(baseline_policy, users, role):
    client = _client(users, role)
    get = client.get(reverse("api-org-overrides"))
    put = client.put(
        reverse("api-org-overrides"),
        {"rules": {"account-cluster": {"retention_days": 30}}},
        format="json",
    )
    assert get.status_code == OVERRIDE[role]
    assert put.status_code == OVERRIDE[role]
    if put.status_code == 200:
        own = {"member_admin": "acme", "other_admin": "globex"}[role]
        assert put.json()["organization"] == own
        assert client.get(reverse("api-org-overrides")).json()["rules"] == {
            "account-cluster": {"retention_days": 30}
        }


def test_looser_override_refused_via_api(baseline_policy, users):
    response = _client(users, "member_admin").put(
        reverse("api-org-overrides"),
        {"rules": {"account-cluster": {"audience": "all_members", "pap": "CLEAR"}}},
        format="json",
    )
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "looser than the policy in force" in errors["account-cluster.pap"]


def test_api_tokens_are_hashed_and_revoked_tokens_refused(catalog, users, orgs):
    admin = users["member_admin"]
    token, secret = api_token_create(
        actor=admin, user=users["analyst"], organization=orgs["acme"], name="ci"
    )
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in stored.token_hash and len(stored.token_hash) == 64
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get(reverse("api-indicator-types")).status_code == 200
    api_token_revoke(actor=admin, token=token)
    response = client.get(reverse("api-indicator-types"))
    assert response.status_code == 401


def test_openapi_schema_generates(client):
    response = client.get(reverse("api-schema"))
    assert response.status_code == 200
    assert b"/api/v1/policy-versions/{id}/approve/" in response.content


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_endpoints_do_not_grow_queries_with_rows(catalog, users):
    client = _client(users, "counsel")
    admin = _client(users, "member_admin")
    _draft(admin)
    _queries(client, reverse("api-policy-versions"))  # caches the user's memberships
    one_version = _queries(client, reverse("api-policy-versions"))
    for _ in range(4):
        _draft(admin)
    assert _queries(client, reverse("api-policy-versions")) == one_version
    assert _queries(client, reverse("api-indicator-types")) <= 3


def test_a_version_lists_the_free_text_its_auto_publishing_types_keep(catalog, users):
    rules = baseline_rules()
    rules["indicator_types"]["automation-client"]["fields"]["analyst_notes"] = "keep"
    body = _draft(_client(users, "member_admin"), rules).json()
    assert body["warnings"] == [
        {
            "field": "indicator_types.automation-client.review",
            "message": body["warnings"][0]["message"],
        }
    ]
    assert "keeps free text `analyst_notes` (keep)" in body["warnings"][0]["message"]
    assert _draft(_client(users, "member_admin")).json()["warnings"] == []
