"""TAXII conformance of polling, with the OASIS taxii2-client: `added_after` is strictly after at
the precision served, so polling with X-TAXII-Date-Added-Last never repeats or skips an object;
and every server error under /taxii2/ is a TAXII error envelope."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import Client
from taxii2client.v21 import Collection

from sharing.models import SharedIndicator
from sharing.taxii.collections import collection_id_for
from sharing.taxii.envelope import MEDIA_TYPE
from sharing.taxii.errors import TaxiiServerErrorMiddleware
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


class PollingClient:
    """The OASIS client, keeping the X-TAXII-Date-Added-Last of each answer, as a poller does."""

    def __init__(self, live_server, username: str, org) -> None:
        url = f"{live_server.url}/taxii2/api/collections/{collection_id_for(org)}/"
        self.collection = Collection(url, user=username, password=TEST_PASSWORD)
        self.last_header: str | None = None
        self.collection._conn.session.hooks["response"].append(self._keep_header)

    def _keep_header(self, response, *args, **kwargs):
        self.last_header = response.headers.get("X-TAXII-Date-Added-Last")

    def poll(self, *, added_after: str | None, limit: int) -> tuple[list[str], str | None]:
        """Return the ids of one answer and the X-TAXII-Date-Added-Last to poll from next."""
        self.last_header = None
        kwargs = {"limit": limit} | ({"added_after": added_after} if added_after else {})
        envelope = self.collection.get_objects(**kwargs)
        return [obj["id"] for obj in envelope.get("objects", [])], self.last_header


def _poll_until_empty(client: PollingClient, limit: int) -> list[str]:
    seen, added_after = [], None
    for _ in range(20):
        ids, last = client.poll(added_after=added_after, limit=limit)
        if not ids:
            return seen
        seen += ids
        added_after = last
    raise AssertionError(f"polling did not end: {seen}")


def test_polling_with_date_added_last_never_repeats_an_object(live_server, publish, orgs):
    published = [publish(f"198.51.100.{n}") for n in range(1, 6)]
    client = PollingClient(live_server, "globex-analyst", orgs["globex"])
    seen = _poll_until_empty(client, limit=2)
    assert sorted(seen) == sorted(i.stix_id for i in published)  # each once, none skipped
    # A later publication is the only thing the next poll brings.
    later = publish("198.51.100.77")
    ids, _ = client.poll(added_after=client.last_header or _last(published), limit=10)
    assert ids == [later.stix_id]


def _last(indicators) -> str:
    from sharing.taxii.collections import date_added

    return date_added(max(indicators, key=lambda i: i.modified_at))


def test_objects_sharing_a_served_millisecond_are_neither_repeated_nor_skipped(
    live_server, publish, orgs
):
    published = [publish(f"198.51.100.{n}") for n in range(10, 16)]
    # Stored with microseconds, served with milliseconds: objects 1..3 share one served
    # millisecond (.250100 .. .250300), so a page of three would end inside it. The page ends
    # before it instead, and the next poll from its X-TAXII-Date-Added-Last gets all three.
    base = published[0].modified_at.replace(microsecond=250000)
    moments = [
        base - timedelta(milliseconds=1),
        *(base + timedelta(microseconds=100 * k) for k in (1, 2, 3)),
        base + timedelta(milliseconds=2),
        base + timedelta(milliseconds=3),
    ]
    for indicator, moment in zip(published, moments, strict=True):
        SharedIndicator.objects.filter(pk=indicator.pk).update(modified_at=moment)
    client = PollingClient(live_server, "globex-analyst", orgs["globex"])
    first_page, _ = client.poll(added_after=None, limit=3)
    assert first_page == [published[0].stix_id]
    seen = _poll_until_empty(client, limit=3)
    assert sorted(seen) == sorted(i.stix_id for i in published)


def test_added_after_a_manifest_date_added_excludes_that_object(live_server, publish, orgs):
    published = [publish(f"198.51.100.{n}") for n in range(30, 34)]
    client = PollingClient(live_server, "globex-analyst", orgs["globex"])
    manifest = client.collection.get_manifest()["objects"]
    first = manifest[0]
    after = client.collection.get_objects(added_after=first["date_added"])
    assert first["id"] not in {obj["id"] for obj in after["objects"]}
    assert len(after["objects"]) == len(published) - 1


def test_a_server_error_under_taxii_is_a_taxii_error_envelope(users, monkeypatch):
    import base64

    def explode(*args, **kwargs):
        raise RuntimeError("the feed query failed")

    monkeypatch.setattr("sharing.taxii.collections.collection_list", explode)
    raw = base64.b64encode(f"globex-analyst:{TEST_PASSWORD}".encode()).decode()
    response = Client(raise_request_exception=False).get(
        "/taxii2/api/collections/", HTTP_AUTHORIZATION=f"Basic {raw}", HTTP_ACCEPT=MEDIA_TYPE
    )
    assert response.status_code == 500
    assert response["Content-Type"] == MEDIA_TYPE
    body = response.json()
    assert body["http_status"] == "500" and body["title"] == "Internal server error"
    assert "the feed query failed" not in response.content.decode()
    assert response["X-Content-Type-Options"] == "nosniff"  # the security headers stay


def test_a_5xx_of_another_layer_keeps_its_status_and_retry_after():
    def unavailable(request):
        response = HttpResponse("<h1>down</h1>", status=503, content_type="text/html")
        response["Retry-After"] = "30"
        return response

    middleware = TaxiiServerErrorMiddleware(unavailable)
    from django.test import RequestFactory

    response = middleware(RequestFactory().get("/taxii2/api/"))
    assert (response.status_code, response["Content-Type"]) == (503, MEDIA_TYPE)
    assert response["Retry-After"] == "30"
    assert json.loads(response.content) == {
        "title": "Service unavailable",
        "http_status": "503",
        "description": "The service is unavailable for a moment; try again later.",
    }
    page = middleware(RequestFactory().get("/indicators/"))
    assert page["Content-Type"] == "text/html"  # only TAXII answers are rewritten
