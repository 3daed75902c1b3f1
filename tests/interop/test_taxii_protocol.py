"""TAXII 2.1 protocol rules: media types, errors, auth, access refusals, batches via Celery."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest

from governance.services.accounts import api_token_create
from sharing.models import Submission, TaxiiStatus
from sharing.taxii.collections import ALL_COLLECTION_ID, collection_id_for
from sharing.taxii.envelope import MAX_CONTENT_LENGTH, MEDIA_TYPE
from tests.celery_helpers import redis_worker
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def basic(username: str) -> dict:
    raw = base64.b64encode(f"{username}:{TEST_PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}", "HTTP_ACCEPT": MEDIA_TYPE}


def objects_url(org) -> str:
    return f"/taxii2/api/collections/{collection_id_for(org)}/objects/"


def ip_indicator(ip: str) -> dict:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2025-03-01T00:00:00.000Z",
        "modified": "2025-03-01T00:00:00.000Z",
        "pattern": f"[ipv4-addr:value = '{ip}']",
        "pattern_type": "stix",
        "valid_from": "2025-03-01T00:00:00Z",
    }


def post(client, org, body, username="acme-analyst", content_type=MEDIA_TYPE):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.generic(
        "POST", objects_url(org), data, content_type=content_type, **basic(username)
    )


def assert_taxii_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == MEDIA_TYPE
    body = response.json()
    assert body["http_status"] == str(status)
    assert body["title"]
    return body


def test_anonymous_request_gets_401_with_a_challenge(client, users):
    response = client.get("/taxii2/", HTTP_ACCEPT=MEDIA_TYPE)
    assert_taxii_error(response, 401)
    assert "Basic" in response["WWW-Authenticate"]
    assert "Bearer" in response["WWW-Authenticate"]


def test_wrong_password_gets_401(client, users):
    raw = base64.b64encode(b"acme-analyst:wrong").decode()
    response = client.get("/taxii2/", HTTP_AUTHORIZATION=f"Basic {raw}")
    assert_taxii_error(response, 401)


def test_api_token_authenticates(client, users, orgs):
    _, secret = api_token_create(
        actor=users["member_admin"], user=users["analyst"], organization=orgs["acme"], name="ci"
    )
    response = client.get(
        "/taxii2/api/collections/", HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT=MEDIA_TYPE
    )
    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA_TYPE
    assert [c["id"] for c in response.json()["collections"]] == [collection_id_for(orgs["acme"])]


def test_wrong_accept_gets_406(client, users):
    headers = basic("acme-analyst") | {"HTTP_ACCEPT": "text/html"}
    assert_taxii_error(client.get("/taxii2/", **headers), 406)


def test_legal_reviewer_reads_but_may_not_write(client, users, orgs, baseline_policy):
    (collection,) = client.get("/taxii2/api/collections/", **basic("acme-legal")).json()[
        "collections"
    ]
    assert (collection["can_read"], collection["can_write"]) == (True, False)
    response = post(client, orgs["acme"], {"objects": [ip_indicator("1.2.3.4")]}, "acme-legal")
    assert_taxii_error(response, 403)
    assert Submission.objects.count() == 0


def test_member_cannot_read_or_write_another_orgs_collection(client, users, orgs, publish):
    publish("198.51.100.30")
    assert_taxii_error(client.get(objects_url(orgs["globex"]), **basic("acme-analyst")), 404)
    url = f"/taxii2/api/collections/{ALL_COLLECTION_ID}/objects/"
    assert_taxii_error(client.get(url, **basic("acme-analyst")), 404)
    response = post(client, orgs["globex"], {"objects": [ip_indicator("1.2.3.4")]})
    assert_taxii_error(response, 404)
    assert Submission.objects.count() == 1  # only the published one


def test_regulator_reads_all_in_redacted_form_and_may_not_post(client, users, orgs, publish):
    indicator = publish("198.51.100.31")
    url = f"/taxii2/api/collections/{ALL_COLLECTION_ID}/objects/"
    response = client.get(url, **basic("regulator"))
    (obj,) = response.json()["objects"]
    assert obj["id"] == indicator.stix_id
    assert "198.51.100.31" not in json.dumps(obj)
    assert response["X-TAXII-Date-Added-First"] == response["X-TAXII-Date-Added-Last"]
    posted = client.generic(
        "POST", url, json.dumps({"objects": [ip_indicator("1.2.3.4")]}),
        content_type=MEDIA_TYPE, **basic("regulator"),
    )  # fmt: skip
    assert_taxii_error(posted, 403)


def test_filters_added_after_match_type_id_and_version(client, users, orgs, publish):
    first, second = publish("198.51.100.40"), publish("198.51.100.41")
    url = objects_url(orgs["globex"])
    after = client.get(
        url, {"added_after": first.modified_at.isoformat()}, **basic("globex-analyst")
    )
    assert [o["id"] for o in after.json()["objects"]] == [second.stix_id]
    by_id = client.get(url, {"match[id]": first.stix_id}, **basic("globex-analyst"))
    assert [o["id"] for o in by_id.json()["objects"]] == [first.stix_id]
    notes = client.get(url, {"match[type]": "note"}, **basic("globex-analyst"))
    assert "objects" not in notes.json()
    version = by_id.json()["objects"][0]["modified"]
    exact = client.get(url, {"match[version]": version}, **basic("globex-analyst"))
    assert [o["id"] for o in exact.json()["objects"]] == [first.stix_id]
    bad = client.get(url, {"added_after": "yesterday"}, **basic("globex-analyst"))
    assert_taxii_error(bad, 400)
    assert_taxii_error(client.get(url, {"limit": "0"}, **basic("globex-analyst")), 400)


def test_round_trip_posted_indicator_is_reviewed_and_read_back_redacted(
    client, users, orgs, publish
):
    response = post(client, orgs["acme"], {"objects": [ip_indicator("192.0.2.77")]})
    assert response.status_code == 202
    status = response.json()
    assert (status["status"], status["success_count"]) == ("complete", 1)
    submission = Submission.objects.get()
    assert (submission.source, submission.state) == ("taxii", "in_review")
    indicator = publish.approve(submission)
    read = client.get(objects_url(orgs["globex"]), **basic("globex-analyst")).json()
    (obj,) = read["objects"]
    assert obj["id"] == indicator.stix_id
    assert obj["pattern"] == "[ipv4-addr:value = '192.0.2.0/24']"
    assert "192.0.2.77" not in json.dumps(read)
    assert obj["created_by_ref"] != f"identity--{orgs['acme'].pk}"
    status_url = f"/taxii2/api/status/{status['id']}/"
    assert client.get(status_url, **basic("acme-admin")).json()["status"] == "complete"
    assert_taxii_error(client.get(status_url, **basic("globex-analyst")), 404)


def test_reposting_the_same_object_is_idempotent(client, users, orgs, baseline_policy):
    envelope = {"objects": [ip_indicator("192.0.2.78")]}
    assert post(client, orgs["acme"], envelope).status_code == 202
    assert post(client, orgs["acme"], envelope).json()["success_count"] == 1
    assert Submission.objects.count() == 1


def test_objects_that_do_not_map_are_failures_in_the_status(client, users, orgs, baseline_policy):
    unmapped = ip_indicator("1.2.3.4") | {"pattern": "[file:name = 'x.exe']"}
    invalid = ip_indicator("not-an-ip") | {"pattern": "[ipv4-addr:value = '999.1.1.1']"}
    response = post(client, orgs["acme"], {"objects": [unmapped, invalid]})
    status = response.json()
    assert (status["success_count"], status["failure_count"]) == (0, 2)
    messages = [f["message"] for f in status["failures"]]
    assert "matches no indicator type" in messages[0]
    assert messages[1]
    assert Submission.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", MEDIA_TYPE, 400),
        ({"objects": [ip_indicator("1.2.3.4")]}, "application/json", 415),
        (
            {
                "objects": [
                    ip_indicator("1.2.3.4"),
                    {"type": "x-evil", "id": "x-evil--" + str(uuid.uuid4())},
                ]
            },
            MEDIA_TYPE,
            400,
        ),  # noqa: E501
        ({"objects": [{"type": "indicator"}]}, MEDIA_TYPE, 400),
        ({"no": "objects"}, MEDIA_TYPE, 400),
        (b'{"objects": ["' + b"a" * (MAX_CONTENT_LENGTH + 10) + b'"]}', MEDIA_TYPE, 413),
    ],
    ids=["not-json", "wrong-media-type", "unknown-type", "no-id", "no-objects", "oversized"],
)
def test_bad_envelopes_get_spec_errors_and_write_nothing(
    client, users, orgs, baseline_policy, body, content_type, status
):
    response = post(client, orgs["acme"], body, content_type=content_type)
    assert_taxii_error(response, status)
    assert Submission.objects.count() == 0
    assert TaxiiStatus.objects.count() == 0


def test_large_batch_is_pending_then_completed_by_a_celery_worker(
    client, users, orgs, baseline_policy
):
    envelope = {"objects": [ip_indicator(f"10.0.{n // 250}.{n % 250 + 1}") for n in range(101)]}
    with redis_worker():
        response = post(client, orgs["acme"], envelope)
        assert response.status_code == 202
        status = response.json()
        assert status["status"] == "pending"
        assert status["pending_count"] == 101
        url = f"/taxii2/api/status/{status['id']}/"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            polled = client.get(url, **basic("acme-analyst"))
            if polled.status_code == 503:
                # SQLite locks the table while the worker writes the envelope: a TAXII client
                # is told to come back (Retry-After) and polls again.
                assert polled["Retry-After"] and polled["Content-Type"] == MEDIA_TYPE
                time.sleep(0.2)
                continue
            assert polled.status_code == 200
            status = polled.json()
            if status["status"] == "complete":
                break
            time.sleep(0.2)
    assert status["status"] == "complete"
    assert (status["success_count"], status["pending_count"]) == (101, 0)
    assert Submission.objects.filter(source="taxii").count() == 101
