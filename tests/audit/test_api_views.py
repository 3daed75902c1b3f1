"""The audit API: filtered cursor-paginated events, checkpoints, exports and cosignatures."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit import actions
from audit.core.signed_note import cosign, split_note
from audit.keys import verifier_key_text
from audit.models import AuditCosignature, AuditEvent
from audit.services.checkpoints import audit_checkpoint_create
from tests.audit.helpers import append, cosigner

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(users):
    client = APIClient()
    client.force_authenticate(users["regulator"])
    return client


def test_events_are_filtered_and_cursor_paginated(api, users, django_assert_max_num_queries):
    append(30)
    append(2, actor=users["analyst"])
    url = reverse("audit_api:events")
    with django_assert_max_num_queries(4):
        page = api.get(url, {"page_size": 10, "action": actions.HEALTH_PINGED}).json()
    assert [e["action"] for e in page["results"]] == [actions.HEALTH_PINGED] * 10
    seqs = [e["seq"] for e in page["results"]]
    assert seqs == sorted(seqs, reverse=True)
    following = api.get(page["next"]).json()
    assert following["results"][0]["seq"] == seqs[-1] - 1
    by_org = api.get(url, {"organization": "acme"}).json()["results"]
    assert by_org and all(e["actor_org"] == "acme" for e in by_org)
    by_actor = api.get(url, {"actor": "system", "object_type": "governance.membership"}).json()
    assert all(e["object_type"] == "governance.membership" for e in by_actor["results"])
    bad = api.get(url, {"since": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "since"


def test_checkpoints_public_key_and_cosignature(api):
    append(3)
    checkpoint = audit_checkpoint_create()
    listed = api.get(reverse("audit_api:checkpoints")).json()["results"]
    assert listed[0]["size"] == checkpoint.size
    key = api.get(reverse("audit_api:public-key")).json()
    assert key["verifier_key"] == verifier_key_text()
    private, key_text = cosigner()
    line = cosign(split_note(checkpoint.note)[0], "authority.example/witness", private, 5)
    url = reverse("audit_api:cosignatures")
    body = {"checkpoint_size": checkpoint.size, "verifier_key": key_text, "cosignature": line}
    created = api.post(url, body, format="json")
    assert created.status_code == 201, created.json()
    assert AuditCosignature.objects.count() == 1
    assert api.post(url, body, format="json").status_code == 409
    bad = api.post(url, {**body, "cosignature": line[:-4] + "AAAA"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "cosignature"
    assert api.post(url, {**body, "checkpoint_size": 999}, format="json").status_code == 404
    listed = api.get(reverse("audit_api:checkpoints")).json()["results"]
    assert listed[0]["cosignatures"][0]["key_id"] == key_text.split("+", 2)[1]


def test_export_create_detail_and_download(api, django_capture_on_commit_callbacks):
    append(8)
    url = reverse("audit_api:exports")
    assert api.post(url, {"from_seq": 5, "to_seq": 2}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(url, {"from_seq": 1}, format="json")
    assert created.status_code == 202
    export_id = created.json()["id"]
    detail = api.get(reverse("audit_api:export-detail", args=[export_id])).json()
    assert detail["status"] == "complete"
    assert detail["progress"] == 100
    listed = api.get(url).json()["results"]
    assert listed[0]["id"] == export_id
    response = api.get(detail["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert AuditEvent.objects.filter(action=actions.EXPORT_DOWNLOADED).count() == 1


def test_schema_generates_without_warnings_for_the_audit_api():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    from audit.api.urls import urlpatterns

    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=urlpatterns).get_schema(request=None, public=True)
    assert len(schema["paths"]) == 7
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
