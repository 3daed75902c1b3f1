"""Every page and every API and TAXII GET, as every demo role, on the seeded demo: no 5xx.

Pages are found by following the links each role is shown, from the dashboard; API and TAXII
resources by following what their list endpoints return. A GET route of the access matrix that
no role reached is then requested with an object of the demo, so a new route is crawled too.
`make test` runs this package on PostgreSQL and again on the embedded SQLite database.
"""

from __future__ import annotations

import base64
import io
import re
import uuid
from collections import deque
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import resolve, reverse

from audit.core.report import quarter_of
from audit.models import AuditCheckpoint, AuditEvent, AuditExport
from governance.demo import DEMO_PASSWORD, USERS
from governance.models import IndicatorType, PolicyVersion
from membership.models import ForumDocument, MembershipApplication
from membership.selectors.documents import charter_in_force
from membership.services.charter import charter_accept
from sharing.models import ReviewTask, SharedIndicator, Submission
from sharing.services.publication import KNOWN_MARKINGS, marking_acknowledge
from sharing.taxii.envelope import MEDIA_TYPE
from tests.security.access_table import MATRIX

pytestmark = pytest.mark.django_db

# These demo users have not accepted any handling terms: the crawl walks the terms pages too.
NO_TERMS_ACCEPTED = {"halcyon-analyst", "halcyon-admin", "halcyon-legal"}
MAX_PAGES_PER_ROLE = 400
NOT_CRAWLED = ("/static/", "/logout/")

# API detail routes, from the list route whose results name them: (list route, field, kwarg).
API_DETAILS = {
    "api-indicator-type": ("api-indicator-types", "key", "key"),
    "api-policy-version": ("api-policy-versions", "id", "pk"),
    "api-submission": ("api-submissions", "id", "pk"),
    "api-review-task": ("api-review-tasks", "id", "pk"),
    "api-indicator": ("api-indicators", "id", "pk"),
    "audit_api:export-detail": ("audit_api:exports", "id", "export_id"),
    "audit_api:export-download": ("audit_api:exports", "id", "export_id"),
}


def _first_pk(model, **filters):
    return model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True).first()


def _sample_kwargs(route: str) -> dict:
    """Return the kwargs of `route` naming one object of the demo (for routes no link reached)."""
    event = AuditEvent.objects.exclude(object_id="").order_by("seq").first()
    samples = {
        "api-indicator-type": lambda: {"key": IndicatorType.objects.order_by("key")[0].key},
        "api-policy-version": lambda: {"pk": _first_pk(PolicyVersion)},
        "policy-version": lambda: {"pk": _first_pk(PolicyVersion)},
        "policy-draft-edit": lambda: {"pk": _first_pk(PolicyVersion)},
        "policy-draft-type": lambda: {
            "pk": _first_pk(PolicyVersion),
            "type_key": IndicatorType.objects.order_by("key")[0].key,
        },
        "case-timeline": lambda: {"pk": _first_pk(Submission)},
        "case-for-object": lambda: {
            "object_type": "sharing.submission",
            "object_id": str(_first_pk(Submission)),
        },
        "policy-version-review": lambda: {"pk": _first_pk(PolicyVersion)},
        "api-submission": lambda: {"pk": _first_pk(Submission)},
        "submission-detail": lambda: {"pk": _first_pk(Submission)},
        "api-review-task": lambda: {"pk": _first_pk(ReviewTask)},
        "review-task": lambda: {"pk": _first_pk(ReviewTask)},
        "api-indicator": lambda: {"pk": _first_pk(SharedIndicator)},
        "indicator-detail": lambda: {"pk": _first_pk(SharedIndicator)},
        "audit_api:export-detail": lambda: {"export_id": _first_pk(AuditExport)},
        "audit_api:export-download": lambda: {"export_id": _first_pk(AuditExport)},
        "audit:export_row": lambda: {"export_id": _first_pk(AuditExport)},
        "audit:export_download": lambda: {"export_id": _first_pk(AuditExport)},
        "audit:checkpoint_note": lambda: {"size": AuditCheckpoint.objects.order_by("size")[0].size},
        "transparency:checkpoint_note": lambda: {
            "size": AuditCheckpoint.objects.order_by("size")[0].size
        },
        "transparency:consistency": lambda: {
            "old": AuditCheckpoint.objects.order_by("size")[0].size,
            "new": AuditCheckpoint.objects.order_by("-size")[0].size,
        },
        "transparency:quarter": lambda: {
            "quarter": quarter_of(AuditEvent.objects.order_by("seq")[0].recorded_at)
        },
        "audit:timeline": lambda: {"object_type": event.object_type, "object_id": event.object_id},
        "taxii:status": lambda: {"status_id": str(uuid.uuid4())},
        "membership-application": lambda: {"pk": _first_pk(MembershipApplication)},
        "membership-document": lambda: {"pk": _first_pk(ForumDocument)},
        "membership-document-new": lambda: {"kind": "criteria"},
        # Link secrets are e-mailed, never shown: an unknown one is a 404, not a crash.
        "membership-status": lambda: {"secret": uuid.uuid4().hex},
        "membership-invitation": lambda: {"secret": uuid.uuid4().hex},
    }
    return samples[route]() if route in samples else {}


class Crawler:
    """One demo user's walk: every response's status, by route."""

    def __init__(self, username: str) -> None:
        self.username = username
        self.client = Client()
        self.client.force_login(get_user_model().objects.get(username=username))
        raw = base64.b64encode(f"{username}:{DEMO_PASSWORD}".encode()).decode()
        self.taxii_headers = {"HTTP_ACCEPT": MEDIA_TYPE, "HTTP_AUTHORIZATION": f"Basic {raw}"}
        self.seen: dict[str, int] = {}
        self.routes: set[str] = set()

    def get(self, path: str, **headers):
        response = self.client.get(path, **headers)
        self.seen[path] = response.status_code
        self.routes.add(resolve(urlsplit(path).path).view_name)
        return response

    def failures(self) -> list[str]:
        return [f"{self.username} GET {p}: {s}" for p, s in self.seen.items() if s >= 500]

    def pages(self) -> None:
        queue = deque(["/"])
        while queue and len(self.seen) < MAX_PAGES_PER_ROLE:
            path = queue.popleft()
            if path in self.seen:
                continue
            response = self.get(path)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            for href in re.findall(r'href="([^"#]*)', response.content.decode()):
                target = urlsplit(urljoin(path, unescape(href)))
                if target.scheme or target.netloc or target.path.startswith(NOT_CRAWLED):
                    continue
                link = target.path + (f"?{target.query}" if target.query else "")
                if link not in self.seen:
                    queue.append(link)

    def api(self) -> None:
        listed: dict[str, list] = {}
        for entry in MATRIX:
            if entry.kind != "api" or entry.method != "GET" or entry.route in API_DETAILS:
                continue
            url = reverse(entry.route)
            while url:
                response = self.get(url)
                body = response.json() if response.get("Content-Type") == "application/json" else []
                results = body.get("results", []) if isinstance(body, dict) else body
                listed.setdefault(entry.route, []).extend(r for r in results if isinstance(r, dict))
                url = body.get("next") if isinstance(body, dict) else None
        for route, (list_route, field, kwarg) in API_DETAILS.items():
            for item in listed.get(list_route, [])[:3]:
                self.get(reverse(route, kwargs={kwarg: item[field]}))

    def taxii(self) -> None:
        discovery = self.get(reverse("taxii:discovery"), **self.taxii_headers)
        if discovery.status_code != 200:
            return
        self.get(reverse("taxii:api-root"), **self.taxii_headers)
        collections = self.get(reverse("taxii:collections"), **self.taxii_headers).json()
        for collection in collections.get("collections", []):
            kwargs = {"collection_id": collection["id"]}
            self.get(reverse("taxii:collection", kwargs=kwargs), **self.taxii_headers)
            self.get(reverse("taxii:manifest", kwargs=kwargs), **self.taxii_headers)
            url = reverse("taxii:objects", kwargs=kwargs) + "?limit=4"
            objects = []
            while url:
                page = self.get(url, **self.taxii_headers)
                body = page.json()
                objects += body.get("objects", [])
                next_token = body.get("next")
                url = f"{reverse('taxii:objects', kwargs=kwargs)}?limit=4&next={next_token}"
                url = url if next_token else None
            for obj in objects[:2]:
                object_kwargs = {**kwargs, "object_id": obj["id"]}
                self.get(reverse("taxii:object", kwargs=object_kwargs), **self.taxii_headers)
                self.get(reverse("taxii:versions", kwargs=object_kwargs), **self.taxii_headers)

    def sample(self, route: str) -> None:
        url = "/admin/" if route == "admin:index" else reverse(route, kwargs=_sample_kwargs(route))
        headers = self.taxii_headers if route.startswith("taxii:") else {}
        self.get(url, **headers)


@pytest.fixture
def seeded_demo(db):
    call_command("seed_demo", "--force", stdout=io.StringIO())
    charter = charter_in_force()
    for username, *_ in USERS:
        user = get_user_model().objects.get(username=username)
        # Every demo user accepts the antitrust charter the demo puts in force, as at login.
        charter_accept(actor=user, charter=charter)
        if username in NO_TERMS_ACCEPTED:
            continue
        for marking in sorted(KNOWN_MARKINGS):
            marking_acknowledge(actor=user, marking=marking)


def test_every_page_and_api_get_answers_every_demo_role_without_a_server_error(seeded_demo):
    crawlers = []
    for username, *_ in USERS:
        cache.clear()  # throttles count per role, not per crawl
        crawler = Crawler(username)
        crawler.pages()
        crawler.api()
        crawler.taxii()
        crawlers.append(crawler)
    reached = set().union(*(c.routes for c in crawlers))
    get_routes = {entry.route for entry in MATRIX if entry.method == "GET"}
    for route in sorted(get_routes - reached):
        for crawler in crawlers:
            crawler.sample(route)
    failures = [failure for crawler in crawlers for failure in crawler.failures()]
    assert not failures, "\n".join(failures)
    assert get_routes <= set().union(*(c.routes for c in crawlers))
    # The crawl did reach the demo's content, not only its refusals.
    statuses = [status for crawler in crawlers for status in crawler.seen.values()]
    assert statuses.count(200) > 0.5 * len(statuses)
    assert {"indicator-detail", "review-task", "taxii:object", "api-indicator"} <= reached
