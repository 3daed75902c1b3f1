"""The OASIS taxii2-client against a live Clearroom: discovery, collections, pull, push."""

from __future__ import annotations

import uuid

import pytest
import requests
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from sharing.models import SharedIndicator, Submission
from sharing.taxii.collections import collection_id_for
from tests.factories import TEST_PASSWORD
from tests.interop.helpers import assert_valid_object

pytestmark = pytest.mark.django_db(transaction=True)


def _server(live_server, username: str) -> Server:
    return Server(f"{live_server.url}/taxii2/", user=username, password=TEST_PASSWORD)


def _collection(live_server, username: str, org) -> Collection:
    url = f"{live_server.url}/taxii2/api/collections/{collection_id_for(org)}/"
    return Collection(url, user=username, password=TEST_PASSWORD)


def test_client_discovers_the_server_and_lists_the_callers_collections(live_server, users, orgs):
    server = _server(live_server, "globex-analyst")
    assert server.title == "Clearroom TAXII 2.1"
    assert server.default.url == f"{live_server.url}/taxii2/api/"
    root: ApiRoot = server.api_roots[0]
    assert root.versions == ["application/taxii+json;version=2.1"]
    (collection,) = root.collections
    assert collection.id == collection_id_for(orgs["globex"])
    assert collection.title == "Shared with Globex Labs"
    assert collection.can_read and collection.can_write


def test_oversight_roles_get_the_all_collection_read_only(live_server, users):
    root = _server(live_server, "regulator").api_roots[0]
    (collection,) = root.collections
    assert collection.title == "All published indicators"
    assert collection.can_read and not collection.can_write


def test_client_reads_objects_page_by_page_with_limit_and_next(live_server, publish, orgs):
    published = [publish(f"198.51.100.{n}") for n in range(1, 6)]
    collection = _collection(live_server, "globex-analyst", orgs["globex"])
    pages = list(as_pages(collection.get_objects, per_request=2))
    assert [len(page.get("objects", [])) for page in pages] == [2, 2, 1]
    seen = [obj for page in pages for obj in page["objects"]]
    assert len({obj["id"] for obj in seen}) == 5
    assert {obj["id"] for obj in seen} == {i.stix_id for i in published}
    for obj in seen:
        assert obj["pattern"].startswith("[ipv4-addr:value = '198.51.100.0/24'")
        assert_valid_object(obj)


def test_client_reads_manifest_object_and_versions(live_server, publish, orgs):
    indicator = publish("198.51.100.9")
    collection = _collection(live_server, "globex-analyst", orgs["globex"])
    manifest = collection.get_manifest()
    (entry,) = manifest["objects"]
    assert entry["id"] == indicator.stix_id
    assert entry["media_type"] == "application/stix+json;version=2.1"
    (obj,) = collection.get_object(indicator.stix_id)["objects"]
    assert obj["id"] == indicator.stix_id
    assert collection.object_versions(indicator.stix_id)["versions"] == [entry["version"]]


def test_client_adds_an_envelope_and_gets_a_complete_status(live_server, baseline_policy, orgs):
    collection = _collection(live_server, "globex-analyst", orgs["globex"])
    envelope = {
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{uuid.uuid4()}",
                "created": "2025-03-01T00:00:00.000Z",
                "modified": "2025-03-01T00:00:00.000Z",
                "pattern": "[ipv4-addr:value = '203.0.113.7']",
                "pattern_type": "stix",
                "valid_from": "2025-03-01T00:00:00Z",
            }
        ]
    }
    status = collection.add_objects(envelope, wait_for_completion=False)
    assert status.status == "complete"
    assert status.success_count == 1 and status.failure_count == 0
    submission = Submission.objects.get()
    assert submission.organization == orgs["globex"]
    assert submission.source == "taxii"
    assert submission.payload["ip"] == "203.0.113.7"


def test_outsider_sees_no_collection_and_no_object(live_server, publish, orgs, make_org):
    from governance.roles import OrgKind, Role
    from tests.factories import member_user

    indicator = publish("198.51.100.20")
    outsider_org = make_org(slug="umbrella", name="Umbrella", kind=OrgKind.MEMBER)
    member_user("umbrella-analyst", outsider_org, Role.ANALYST)
    # Umbrella joined after publication: the indicator was never addressed to it.
    root = _server(live_server, "umbrella-analyst").api_roots[0]
    assert [c.title for c in root.collections] == ["Shared with Umbrella"]
    own = _collection(live_server, "umbrella-analyst", outsider_org)
    assert "objects" not in own.get_objects()
    for org in (orgs["acme"], orgs["globex"]):
        with pytest.raises(requests.HTTPError) as refused:
            _collection(live_server, "umbrella-analyst", org).get_object(indicator.stix_id)
        assert refused.value.response.status_code == 404
    assert SharedIndicator.objects.count() == 1
