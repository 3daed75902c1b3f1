"""The TAXII objects page read as rows (not model instances): same bytes as the STIX export,
a constant number of queries, and the reader's scope (audience, markings, anonymity) kept."""

from __future__ import annotations

import base64
import json

import pytest

from governance.services.accounts import api_token_create
from sharing import stix
from sharing.models import Decision, ReviewTask, SharedIndicator
from sharing.taxii.collections import collection_id_for
from sharing.taxii.envelope import MEDIA_TYPE
from tests.factories import TEST_PASSWORD
from tests.governance.fixtures import approve_rules, baseline_rules
from tests.sharing.fixtures import acknowledge_all

NETWORK = {"ip": "203.0.113.77", "first_seen": "2025-02-01T10:00:00Z"}


@pytest.fixture
def page_policy(catalog, users):
    """Network indicators (a pattern) named after their contributor; account clusters (notes)
    anonymized; both published to acme and globex only, after one legal review."""
    rules = baseline_rules()
    for key, anonymize in (("network-infrastructure", False), ("account-cluster", True)):
        rule = rules["indicator_types"][key]
        rule.update(audience=["acme", "globex"], review=["origin"])
        rule["anonymize_contributor"] = anonymize
    return approve_rules(rules, drafter=users["member_admin"], approver=users["counsel2"])


def _publish(submission, users) -> SharedIndicator:
    from sharing.services.review import review_task_claim, review_task_decide

    reviewers = {"origin": users["legal_reviewer"], "forum": users["counsel"]}
    while task := ReviewTask.objects.filter(submission=submission, state="open").first():
        task = review_task_claim(actor=reviewers[task.stage], task=task)
        review_task_decide(actor=reviewers[task.stage], task=task, decision=Decision.APPROVE)
    return SharedIndicator.objects.get(submission=submission)


@pytest.fixture
def publish_some(page_policy, make_submission, users):
    def make(count: int, *, network: bool = True) -> list[SharedIndicator]:
        kind = {"type_key": "network-infrastructure", "payload": NETWORK} if network else {}
        return [_publish(make_submission(**kind), users) for _ in range(count)]

    return make


def _reader(users, orgs) -> dict:
    """Headers of Globex's analyst with an API token, as the benchmark's reader."""
    _, secret = api_token_create(
        actor=users["other_admin"],
        user=users["other_analyst"],
        organization=orgs["globex"],
        name="page test",
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT": MEDIA_TYPE}


def _url(org) -> str:
    return f"/taxii2/api/collections/{collection_id_for(org)}/objects/"


def test_page_is_the_stix_export_byte_for_byte(publish_some, users, orgs, client):
    from sharing.services.lifecycle_jobs import indicator_withdraw

    indicators = [*publish_some(2), *publish_some(2, network=False)]
    indicator_withdraw(actor=users["analyst"], indicator=indicators[0], reason="Wrong range.")
    reader = users["other_analyst"]
    for indicator in indicators:
        acknowledge_all(reader, indicator)
    response = client.get(_url(orgs["globex"]), **_reader(users, orgs))
    assert response.status_code == 200
    stored = sorted(SharedIndicator.objects.all(), key=lambda i: (i.modified_at, i.pk))
    expected = [stix.indicator_to_stix(i) for i in stored]
    assert {o["type"] for o in expected} == {"indicator", "note"}
    assert any(o.get("revoked") for o in expected)
    assert response.content == json.dumps(
        {"more": False, "objects": expected}, ensure_ascii=False
    ).encode("utf-8")
    assert response["X-TAXII-Date-Added-First"] == stix.stix_timestamp(stored[0].modified_at)
    assert response["X-TAXII-Date-Added-Last"] == stix.stix_timestamp(stored[-1].modified_at)


def test_page_query_count_does_not_grow_with_rows(
    publish_some, users, orgs, client, django_assert_num_queries
):
    first, anonymous = *publish_some(1), *publish_some(1, network=False)
    reader = users["other_analyst"]
    acknowledge_all(reader, first)
    acknowledge_all(reader, anonymous)
    headers = _reader(users, orgs)
    url = _url(orgs["globex"])
    assert len(client.get(url, **headers).json()["objects"]) == 2  # token's last use recorded
    # token, memberships, acknowledgements, the page, its types, policy versions, contributors
    with django_assert_num_queries(7):
        assert len(client.get(url, **headers).json()["objects"]) == 2
    publish_some(25)
    publish_some(23, network=False)
    with django_assert_num_queries(7):
        body = client.get(url, {"limit": 50}, **headers).json()
    assert len(body["objects"]) == 50 and body["more"] is False


def test_keyset_pages_read_each_object_once(publish_some, users, orgs, client):
    indicators = publish_some(3) + publish_some(2, network=False)
    reader = users["other_analyst"]
    for indicator in indicators[2:4]:
        acknowledge_all(reader, indicator)
    headers, url = _reader(users, orgs), _url(orgs["globex"])
    seen, params = [], {"limit": 2}
    while True:
        body = client.get(url, params, **headers).json()
        seen += [o["id"] for o in body.get("objects", [])]
        if not body["more"]:
            break
        params = {"limit": 2, "next": body["next"]}
    assert sorted(seen) == sorted(stix.indicator_to_stix(i)["id"] for i in indicators)


def test_page_keeps_the_readers_scope(publish_some, users, orgs, client):
    indicators = publish_some(1) + publish_some(1, network=False)
    globex, initech = orgs["globex"], orgs["initech"]
    # Markings not accepted: nothing is served, not even the ids.
    unacknowledged = client.get(_url(globex), **_reader(users, orgs))
    assert unacknowledged.status_code == 200 and "objects" not in unacknowledged.json()
    # Outside the audience: the collection does not exist, and its own collection is empty.
    outsider = users["third_analyst"]
    for indicator in indicators:
        acknowledge_all(outsider, indicator)
    raw = base64.b64encode(f"{outsider.username}:{TEST_PASSWORD}".encode()).decode()
    outsider_headers = {"HTTP_AUTHORIZATION": f"Basic {raw}", "HTTP_ACCEPT": MEDIA_TYPE}
    assert client.get(_url(globex), **outsider_headers).status_code == 404
    assert "objects" not in client.get(_url(initech), **outsider_headers).json()
    # In the audience: the anonymized contributor is named nowhere in the page.
    reader = users["other_analyst"]
    for indicator in indicators:
        acknowledge_all(reader, indicator)
    text = client.get(_url(globex), **_reader(users, orgs)).content.decode()
    named, anonymous = (stix.indicator_to_stix(i) for i in indicators)
    assert named["created_by_ref"] == stix.organization_identity_id(orgs["acme"])
    assert anonymous["created_by_ref"] == stix.FORUM_IDENTITY_ID
    assert text.count(stix.organization_identity_id(orgs["acme"])) == 1
    # Expired indicators leave the page.
    SharedIndicator.objects.filter(pk=indicators[0].pk).update(
        expired_at=indicators[0].published_at
    )
    body = client.get(_url(globex), **_reader(users, orgs)).json()
    assert [o["id"] for o in body["objects"]] == [anonymous["id"]]
