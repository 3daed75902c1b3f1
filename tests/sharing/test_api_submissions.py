"""Submission API: single, bulk, preview, list, detail and withdraw, for each kind of caller."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from governance.services.accounts import api_token_create
from sharing.core import lifecycle, scanning
from sharing.models import Submission
from sharing.services.intake import submission_create
from tests.sharing.fixtures import PRICE_SENTENCE, PROXY_SERVICE

URL = "/api/v1/submissions/"


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def submit(user, org, payload=None, ref=None):
    return submission_create(
        actor=user,
        organization=org,
        indicator_type="proxy-service",
        payload=payload or dict(PROXY_SERVICE),
        source="ui",
        client_reference=ref,
    )


@pytest.mark.django_db
class TestSingle:
    def test_analyst_submits_and_gets_the_redacted_form(self, client_for, users, baseline_policy):
        payload = {**PROXY_SERVICE, "analyst_notes": f"Relay seen. {PRICE_SENTENCE}"}
        response = client_for(users["analyst"]).post(
            URL,
            {"indicator_type": "proxy-service", "payload": payload, "client_reference": "t-1"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["state"] == lifecycle.IN_REVIEW
        assert body["organization"] == "acme"
        assert "[removed under policy]" in body["redacted_payload"]["analyst_notes"]
        assert "payload" not in body
        assert body["detector_version"] == scanning.DETECTOR_VERSION
        assert Submission.objects.get(pk=body["id"]).source == "api"

    def test_same_client_reference_twice_is_one_submission(
        self, client_for, users, baseline_policy
    ):
        client = client_for(users["analyst"])
        data = {
            "indicator_type": "proxy-service",
            "payload": PROXY_SERVICE,
            "client_reference": "x",
        }
        first = client.post(URL, data, format="json").json()
        events = AuditEvent.objects.count()
        second = client.post(URL, data, format="json").json()
        assert first["id"] == second["id"]
        assert Submission.objects.count() == 1
        assert AuditEvent.objects.count() == events

    def test_bad_payload_is_400_with_field_paths_and_nothing_written(
        self, client_for, users, baseline_policy
    ):
        before = (Submission.objects.count(), AuditEvent.objects.count())
        response = client_for(users["analyst"]).post(
            URL,
            {"indicator_type": "proxy-service", "payload": {"domain": "nope nope"}},
            format="json",
        )
        assert response.status_code == 400
        fields = {e["field"] for e in response.json()["errors"]}
        assert {"payload.service_name", "payload.domain"} <= fields
        assert (Submission.objects.count(), AuditEvent.objects.count()) == before

    def test_unknown_type_is_400(self, client_for, users, baseline_policy):
        response = client_for(users["analyst"]).post(
            URL, {"indicator_type": "made-up", "payload": {}}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "indicator_type"

    def test_over_limits_is_400(self, client_for, users, baseline_policy):
        before = Submission.objects.count()
        payload = {**PROXY_SERVICE, "analyst_notes": "a" * 10_001}
        response = client_for(users["analyst"]).post(
            URL, {"indicator_type": "proxy-service", "payload": payload}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "payload.analyst_notes"
        assert Submission.objects.count() == before

    def test_refused_by_policy_is_201_with_state_refused(self, client_for, users, catalog):
        response = client_for(users["analyst"]).post(
            URL, {"indicator_type": "proxy-service", "payload": PROXY_SERVICE}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["state"] == "refused"
        assert response.json()["refusal_reason"] == "no policy version is in force"

    def test_legal_reviewer_may_not_submit(self, client_for, users, baseline_policy):
        response = client_for(users["legal_reviewer"]).post(
            URL, {"indicator_type": "proxy-service", "payload": PROXY_SERVICE}, format="json"
        )
        assert response.status_code == 403
        assert Submission.objects.count() == 0

    def test_analyst_may_not_name_another_org(self, client_for, users, baseline_policy):
        response = client_for(users["analyst"]).post(
            URL,
            {"indicator_type": "proxy-service", "payload": PROXY_SERVICE, "organization": "globex"},
            format="json",
        )
        assert response.status_code == 403

    def test_anonymous_is_refused(self, baseline_policy):
        response = APIClient().post(
            URL, {"indicator_type": "proxy-service", "payload": PROXY_SERVICE}, format="json"
        )
        assert response.status_code in (401, 403)

    def test_api_token_submits_for_its_organization(self, users, orgs, baseline_policy):
        _, secret = api_token_create(
            actor=users["member_admin"],
            user=users["analyst"],
            organization=orgs["acme"],
            name="pipeline",
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        response = client.post(
            URL, {"indicator_type": "proxy-service", "payload": PROXY_SERVICE}, format="json"
        )
        assert response.status_code == 201, response.json()
        submission = Submission.objects.get(pk=response.json()["id"])
        assert submission.organization == orgs["acme"]
        assert submission.submitted_by == users["analyst"]

    def test_revoked_or_bad_token_is_401(self, baseline_policy):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Bearer cr_not-a-token")
        response = client.post(
            URL, {"indicator_type": "proxy-service", "payload": PROXY_SERVICE}, format="json"
        )
        assert response.status_code == 401


@pytest.mark.django_db
class TestBulk:
    def test_mixed_items_accept_the_valid_and_report_the_invalid(
        self, client_for, users, baseline_policy
    ):
        items = [
            {
                "indicator_type": "proxy-service",
                "payload": PROXY_SERVICE,
                "client_reference": "b-0",
            },
            {"indicator_type": "proxy-service", "payload": {"domain": "keybazaar.example"}},
            {"indicator_type": "no-such-type", "payload": {}},
            {"payload": PROXY_SERVICE},
            "not an object",
            {
                "indicator_type": "proxy-service",
                "payload": {**PROXY_SERVICE, "service_name": "RelayHub"},
                "client_reference": "b-5",
            },
        ]
        response = client_for(users["analyst"]).post(URL + "bulk/", {"items": items}, format="json")
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["accepted"], body["rejected"]) == (2, 4)
        results = body["results"]
        assert [r["index"] for r in results] == list(range(6))
        assert results[0]["state"] == "in_review" and "id" in results[0]
        assert results[5]["state"] == "in_review"
        assert {e["field"] for e in results[1]["errors"]} == {"payload.service_name"}
        assert results[2]["errors"][0]["field"] == "indicator_type"
        assert results[3]["errors"][0]["field"] == "indicator_type"
        assert results[4]["errors"][0]["field"] == "(item)"
        assert Submission.objects.count() == 2

    def test_more_than_1000_items_is_400_and_nothing_written(
        self, client_for, users, baseline_policy
    ):
        items = [{"indicator_type": "proxy-service", "payload": PROXY_SERVICE}] * 1001
        response = client_for(users["analyst"]).post(URL + "bulk/", {"items": items}, format="json")
        assert response.status_code == 400
        assert Submission.objects.count() == 0

    def test_bulk_repeated_reference_is_idempotent(self, client_for, users, baseline_policy):
        item = {
            "indicator_type": "proxy-service",
            "payload": PROXY_SERVICE,
            "client_reference": "r",
        }
        response = client_for(users["analyst"]).post(
            URL + "bulk/", {"items": [item, item]}, format="json"
        )
        results = response.json()["results"]
        assert results[0]["id"] == results[1]["id"]
        assert Submission.objects.count() == 1


@pytest.mark.django_db
class TestPreview:
    def test_preview_scrubs_and_writes_nothing(self, client_for, users, baseline_policy):
        events = AuditEvent.objects.count()
        response = client_for(users["analyst"]).post(
            URL + "preview/",
            {
                "indicator_type": "proxy-service",
                "payload": {**PROXY_SERVICE, "analyst_notes": PRICE_SENTENCE},
            },
            format="json",
        )
        assert response.status_code == 200
        body = response.json()
        assert "[removed under policy]" in body["redacted_payload"]["analyst_notes"]
        assert body["flags"][0]["category"] == "price"
        assert body["audience"] == ["globex", "initech"]
        assert Submission.objects.count() == 0
        assert AuditEvent.objects.count() == events


@pytest.mark.django_db
class TestReadsAndIsolation:
    def test_list_is_scoped_filtered_and_paginated(
        self, client_for, users, orgs, baseline_policy, django_assert_max_num_queries
    ):
        for i in range(3):
            submit(users["analyst"], orgs["acme"], ref=f"l-{i}")
        submit(users["other_analyst"], orgs["globex"])
        client = client_for(users["legal_reviewer"])
        with django_assert_max_num_queries(6):
            response = client.get(URL)
        body = response.json()
        assert response.status_code == 200
        assert len(body["results"]) == 3
        assert {r["organization"] for r in body["results"]} == {"acme"}
        assert "next" in body and "previous" in body
        assert client.get(URL, {"state": "refused"}).json()["results"] == []
        assert len(client.get(URL, {"type": "proxy-service"}).json()["results"]) == 3
        assert client.get(URL, {"type": "account-cluster"}).json()["results"] == []

    def test_list_query_count_does_not_grow_with_rows(
        self, client_for, users, orgs, baseline_policy, django_assert_max_num_queries
    ):
        for i in range(12):
            submit(users["analyst"], orgs["acme"], ref=f"q-{i}")
        with django_assert_max_num_queries(6):
            client_for(users["analyst"]).get(URL)

    def test_other_orgs_list_does_not_show_it(self, client_for, users, orgs, baseline_policy):
        submit(users["analyst"], orgs["acme"])
        assert client_for(users["other_analyst"]).get(URL).json()["results"] == []

    def test_detail_has_original_and_history_and_is_audited(
        self, client_for, users, orgs, baseline_policy
    ):
        submission = submit(users["analyst"], orgs["acme"])
        response = client_for(users["legal_reviewer"]).get(f"{URL}{submission.pk}/")
        assert response.status_code == 200
        body = response.json()
        assert body["payload"] == PROXY_SERVICE
        assert [h["to_state"] for h in body["history"]] == ["submitted", "in_review"]
        viewed = AuditEvent.objects.filter(
            action="submission.original_viewed", object_id=str(submission.pk)
        )
        assert viewed.count() == 1

    def test_other_orgs_detail_is_404(self, client_for, users, orgs, baseline_policy):
        submission = submit(users["analyst"], orgs["acme"])
        for user in ("other_analyst", "counsel", "regulator"):
            response = client_for(users[user]).get(f"{URL}{submission.pk}/")
            assert response.status_code == 404, user
        assert client_for(users["analyst"]).get(f"{URL}{uuid.uuid4()}/").status_code == 404

    def test_withdraw_by_own_org(self, client_for, users, orgs, baseline_policy):
        submission = submit(users["analyst"], orgs["acme"])
        response = client_for(users["member_admin"]).post(
            f"{URL}{submission.pk}/withdraw/", {"reason": "Duplicate."}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["state"] == "withdrawn"

    def test_withdraw_by_other_org_is_404(self, client_for, users, orgs, baseline_policy):
        submission = submit(users["analyst"], orgs["acme"])
        response = client_for(users["other_admin"]).post(
            f"{URL}{submission.pk}/withdraw/", {"reason": "Mine now."}, format="json"
        )
        assert response.status_code == 404
        submission.refresh_from_db()
        assert submission.state == lifecycle.IN_REVIEW

    def test_withdraw_by_same_org_legal_reviewer_is_403(
        self, client_for, users, orgs, baseline_policy
    ):
        submission = submit(users["analyst"], orgs["acme"])
        response = client_for(users["legal_reviewer"]).post(
            f"{URL}{submission.pk}/withdraw/", {"reason": "No."}, format="json"
        )
        assert response.status_code == 403

    def test_withdraw_twice_is_409(self, client_for, users, orgs, baseline_policy):
        submission = submit(users["analyst"], orgs["acme"])
        client = client_for(users["analyst"])
        client.post(f"{URL}{submission.pk}/withdraw/", {"reason": "Dup."}, format="json")
        response = client.post(f"{URL}{submission.pk}/withdraw/", {"reason": "Dup."}, format="json")
        assert response.status_code == 409


@pytest.mark.django_db
def test_openapi_schema_generates_without_errors_or_warnings(capsys):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = schema["paths"]
    for path in (
        "/api/v1/submissions/",
        "/api/v1/submissions/bulk/",
        "/api/v1/submissions/preview/",
        "/api/v1/submissions/{id}/",
        "/api/v1/submissions/{id}/withdraw/",
    ):
        assert path in paths
    err = capsys.readouterr().err
    assert "submissions" not in err, err
