"""Web security: CSRF on every form, headers on every page, cookies, throttling, API tokens,
HTML escaping of every user-supplied string, and size limits.

Login lockout is proven in tests/governance/test_views_auth.py; `check --deploy` and secure
cookies in tests/test_deploy_settings.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from audit.models import AuditEvent
from governance.models import ApiToken, IndicatorType
from governance.services.accounts import api_token_create, api_token_revoke
from governance.services.policy import policy_version_draft_create, policy_version_submit
from sharing.models import Submission
from sharing.services.intake import submission_create
from sharing.services.review import review_task_claim, review_task_decide
from sharing.taxii.envelope import MEDIA_TYPE
from tests.security.access_table import COLUMNS, MATRIX, USER_OF
from tests.test_deploy_settings import REPO, _production_env

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
HOSTILE = f"{SCRIPT} {IMG}"
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;")


def _first_column(entry) -> str | None:
    """Return a signed-in column the entry lets through (None: only anonymous, e.g. login)."""
    cells = entry.cells
    refused = {401, 403, 404}
    return next((c for c in COLUMNS[1:] if cells[c].status not in refused), None)


def _reader(users, entry) -> Client:
    """Return a client of the first column (anonymous included) that gets the page."""
    column = next(c for c in COLUMNS if entry.cells[c].status == 200)
    return Client() if column == "anonymous" else _login(users, column)


def _login(users, column: str, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(users[USER_OF[column]])
    return client


# --- CSRF ---------------------------------------------------------------------------------

FORM_POSTS = [e for e in MATRIX if e.kind == "page" and e.method == "POST"]
API_WRITES = [e for e in MATRIX if e.kind == "api" and e.method in {"POST", "PUT"}]


def test_every_form_refuses_a_post_without_a_csrf_token(world, users):
    refused = []
    for entry in FORM_POSTS:
        column = _first_column(entry)
        client = _login(users, column, csrf=True) if column else Client(enforce_csrf_checks=True)
        before = AuditEvent.objects.count()
        response = client.post(
            reverse(entry.route, kwargs=entry.kwargs(world)),
            entry.body(world) if entry.body else {},
        )
        if response.status_code != 403 or AuditEvent.objects.count() != before:
            refused.append(f"{entry.route}: {response.status_code}")
    assert not refused, refused


def test_the_login_form_refuses_a_post_without_a_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "acme-analyst", "password": "x"})
    assert response.status_code == 403


def test_the_api_refuses_a_session_write_without_a_csrf_token(world, users):
    refused = []
    for entry in API_WRITES:
        column = _first_column(entry) or "counsel"
        client = _login(users, column, csrf=True)
        before = AuditEvent.objects.count()
        response = client.generic(
            entry.method,
            reverse(entry.route, kwargs=entry.kwargs(world)),
            json.dumps(entry.body(world) if entry.body else {}),
            content_type="application/json",
        )
        if response.status_code != 403 or AuditEvent.objects.count() != before:
            refused.append(f"{entry.method} {entry.route}: {response.status_code}")
    assert not refused, refused


def test_taxii_ignores_the_session_cookie(world, users):
    """TAXII is CSRF-exempt because it never authenticates by cookie."""
    client = _login(users, "analyst")
    response = client.get("/taxii2/", HTTP_ACCEPT=MEDIA_TYPE)
    assert response.status_code == 401


# --- headers ------------------------------------------------------------------------------

# Pages some user gets (a route that only ever refuses, like the single sign-on callback
# without a sign-in under way, is covered by its own tests).
PAGE_GETS = [
    e
    for e in MATRIX
    if e.kind == "page" and e.method == "GET" and any(c.status == 200 for c in e.cells.values())
]


def _csp(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives = [d.strip().split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def test_every_page_sends_the_security_headers(world, users):
    problems = []
    for entry in PAGE_GETS:
        response = _reader(users, entry).get(reverse(entry.route, kwargs=entry.kwargs(world)))
        assert response.status_code == 200, entry.route
        csp = _csp(response)
        script_src = csp.get("script-src", csp.get("default-src", []))
        checks = {
            "script-src without unsafe-inline": bool(script_src)
            and "'unsafe-inline'" not in script_src
            and "'unsafe-eval'" not in script_src,
            "frame-ancestors none": csp.get("frame-ancestors") == ["'none'"],
            "object-src none": csp.get("object-src") == ["'none'"],
            "nosniff": response.get("X-Content-Type-Options") == "nosniff",
            "referrer policy": response.get("Referrer-Policy") == "same-origin",
            "frame denial": response.get("X-Frame-Options") == "DENY",
        }
        problems += [f"{entry.route}: {name}" for name, ok in checks.items() if not ok]
    assert not problems, problems


def test_pages_carry_no_inline_script(world, users):
    """With `script-src 'self'`, an inline script would be dead code, or a hole if allowed."""
    for entry in PAGE_GETS:
        response = _reader(users, entry).get(reverse(entry.route, kwargs=entry.kwargs(world)))
        if not response["Content-Type"].startswith("text/html"):
            continue
        body = response.content.decode()
        assert "<script>" not in body and " onclick=" not in body, entry.route


def test_production_cookies_are_httponly_samesite_and_secure(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
        " s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django;django.setup();{code}"],
        cwd=REPO,
        env={**_production_env(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["True", "True", "Lax", "True", "True", "True", "True"]


# --- throttling and API tokens ------------------------------------------------------------


@pytest.fixture
def low_throttles(monkeypatch):
    cache.clear()
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "2/minute"}
    )
    yield
    cache.clear()


def test_the_api_throttles_users_and_anonymous_callers(world, users, low_throttles):
    token, secret = api_token_create(
        actor=users["member_admin"],
        user=users["analyst"],
        organization=world.token.organization,
        name="t",
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    statuses = [api.get("/api/v1/indicator-types/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Anonymous callers meet the throttle on the public schema; elsewhere they are refused
    # (401) before any throttle runs: guessing a 256-bit token is hopeless anyway.
    anonymous = [APIClient().get("/api/v1/schema/").status_code for _ in range(3)]
    assert anonymous == [200, 200, 429]


def test_tokens_are_hashed_at_rest_and_revocable_at_every_exit(world, users, orgs):
    token, secret = api_token_create(
        actor=users["member_admin"], user=users["analyst"], organization=orgs["acme"], name="ci-2"
    )
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(secret not in str(value) for value in row.values())
    assert secret[:10] == row["prefix"] and len(secret) > 40
    assert not AuditEvent.objects.filter(leaf__contains=secret[10:]).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    taxii = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT": MEDIA_TYPE}
    assert api.get("/api/v1/submissions/").status_code == 200
    assert Client().get("/taxii2/", **taxii).status_code == 200
    api_token_revoke(actor=users["member_admin"], token=token)
    assert api.get("/api/v1/submissions/").status_code == 401
    assert Client().get("/taxii2/", **taxii).status_code == 401
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION=f"Bearer {secret[:-2]}xx")
    assert forged.get("/api/v1/submissions/").status_code == 401


def test_taxii_basic_authentication_is_locked_out_like_the_login_form(world, users, settings):
    import base64

    from tests.factories import TEST_PASSWORD

    settings.AXES_FAILURE_LIMIT = 3
    cache.clear()

    def basic(password: str) -> dict:
        raw = base64.b64encode(f"acme-analyst:{password}".encode()).decode()
        return {"HTTP_AUTHORIZATION": f"Basic {raw}", "HTTP_ACCEPT": MEDIA_TYPE}

    assert Client().get("/taxii2/", **basic(TEST_PASSWORD)).status_code == 200
    wrong = [Client().get("/taxii2/", **basic("wrong-password")).status_code for _ in range(3)]
    assert wrong == [401, 401, 429]  # axes locks the username out at the limit
    locked = Client().get("/taxii2/", **basic(TEST_PASSWORD))
    assert locked.status_code == 429
    # A TAXII client gets the spec's error envelope, not the lockout web page.
    assert locked["Content-Type"].startswith("application/taxii+json")
    assert locked.json()["http_status"] == "429"


def test_login_page_lockout_still_shows_the_lockout_page(world, users, settings):
    from tests.factories import TEST_PASSWORD

    settings.AXES_FAILURE_LIMIT = 2
    cache.clear()
    page = Client()
    for _ in range(2):
        page.post("/login/", {"username": "acme-analyst", "password": "wrong"})
    locked = page.post("/login/", {"username": "acme-analyst", "password": TEST_PASSWORD})
    assert locked.status_code == 429 and b"Too many failed" in locked.content


def test_extension_schema_is_read_only():
    assert Client().get("/taxii2/schemas/clearroom-indicator-v1.json").status_code == 200
    assert Client().post("/taxii2/schemas/clearroom-indicator-v1.json").status_code == 405


# --- HTML escaping ------------------------------------------------------------------------

SAMPLES = {
    "ipv4": "203.0.113.5",
    "ipv6": "2001:db8::5",
    "cidr": "203.0.113.0/24",
    "domain": "hostile.example",
    "email": "someone@hostile.example",
    "url": "https://hostile.example/x",
    "sha256": "a" * 64,
    "integer": 5,
    "decimal": 1.5,
    "datetime": "2026-03-01T10:00:00Z",
    "country": "US",
    "asn": 64500,
}


def hostile_payload(itype: IndicatorType) -> dict:
    """Return a valid payload of `itype` with the hostile string in every free-text field."""
    payload = {}
    for spec in itype.fields:
        datatype = spec["datatype"]
        if datatype in {"string", "text"}:
            value = HOSTILE[: spec.get("max_length") or len(HOSTILE)]
        elif datatype == "enum":
            value = spec["choices"][0]
        elif spec.get("required"):
            value = SAMPLES[datatype]
        else:
            continue
        payload[spec["name"]] = [value] if spec.get("many") else value
    return payload


def assert_inert(html: str, where: str) -> None:
    assert SCRIPT not in html and "<img src=x" not in html, where
    assert all(escaped in html for escaped in ESCAPED), where


def test_hostile_text_in_every_free_text_field_renders_inert(world, users, orgs, catalog):
    client = _login(users, "analyst")
    reviewer = _login(users, "legal_reviewer")
    checked = []
    for itype in catalog.values():
        if not any(s["datatype"] in {"string", "text"} for s in itype.fields):
            continue
        submission = submission_create(
            actor=users["analyst"],
            organization=orgs["acme"],
            indicator_type=itype,
            payload=hostile_payload(itype),
            source="api",
            client_reference=f"xss-{itype.key}",
        )
        assert_inert(
            client.get(reverse("submission-detail", args=[submission.pk])).content.decode(),
            f"submission page of {itype.key}",
        )
        origin = submission.review_tasks.filter(stage="origin").first()
        if origin is not None and origin.state == "open":
            page = reviewer.get(reverse("review-task", args=[origin.pk])).content.decode()
            assert_inert(page, f"review page of {itype.key}")
        checked.append(itype.key)
    assert len(checked) >= 5, checked


def test_hostile_reasons_statements_and_names_render_inert(world, users, orgs):
    # A rejection reason, shown to the submitter.
    task = world.claimed_task
    review_task_decide(actor=users["legal_reviewer"], task=task, decision="reject", reason=HOSTILE)
    analyst = _login(users, "analyst")
    page = analyst.get(reverse("submission-detail", args=[task.submission_id])).content.decode()
    assert_inert(page, "rejection reason")
    # A withdrawal reason, in the submission's history.
    analyst.post(reverse("submission-withdraw", args=[world.submission.pk]), {"reason": HOSTILE})
    page = analyst.get(reverse("submission-detail", args=[world.submission.pk])).content.decode()
    assert_inert(page, "withdrawal reason")
    # Counsel's approval statement, on the policy page.
    counsel = _login(users, "counsel")
    counsel.post(
        reverse("policy-version-review", args=[world.pending.pk]),
        {"decision": "approve", "statement": HOSTILE},
    )
    page = counsel.get(reverse("policy-version", args=[world.pending.pk])).content.decode()
    assert_inert(page, "approval statement")
    # A token name, on the member admin's token page.
    admin = _login(users, "member_admin")
    admin.post(
        reverse("api-tokens"), {"user": users["analyst"].pk, "name": HOSTILE, "scopes": ["read"]}
    )
    assert_inert(admin.get(reverse("api-tokens")).content.decode(), "token name")
    # Override and policy documents whose keys are hostile are echoed in the error messages.
    hostile_doc = json.dumps({HOSTILE: {"share": False}})
    page = admin.post(reverse("org-overrides"), {"text": hostile_doc})
    assert_inert(_follow(admin, page), "override error")
    page = admin.post(reverse("policy-draft-new"), {"text": json.dumps({HOSTILE: 1})})
    assert_inert(_follow(admin, page), "policy draft error")


def _follow(client: Client, response) -> str:
    if response.status_code == 302:
        response = client.get(response.url)
    return response.content.decode()


def test_hostile_text_published_to_another_member_renders_inert(world, users, orgs):
    payload = dict(world.submission.payload, analyst_notes=HOSTILE)
    submission = submission_create(
        actor=users["analyst"],
        organization=orgs["acme"],
        indicator_type="account-cluster",
        payload=payload,
        source="api",
        client_reference="xss-published",
    )
    for stage, user in (("origin", users["legal_reviewer"]), ("forum", users["counsel"])):
        task = review_task_claim(actor=user, task=submission.review_tasks.get(stage=stage))
        review_task_decide(actor=user, task=task, decision="approve")
    indicator = submission.shared_indicator if hasattr(submission, "shared_indicator") else None
    recipient = _login(users, "recipient")
    listing = recipient.get(reverse("indicator-list")).content.decode()
    assert SCRIPT not in listing
    from sharing.models import SharedIndicator

    indicator = SharedIndicator.objects.get(submission=submission)
    assert_inert(
        recipient.get(reverse("indicator-detail", args=[indicator.pk])).content.decode(),
        "published indicator",
    )


# --- size limits --------------------------------------------------------------------------


def test_an_api_body_over_the_limit_is_refused_and_writes_nothing(world, users, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    api = APIClient()
    api.force_authenticate(users["analyst"])
    before = (Submission.objects.count(), AuditEvent.objects.count())
    notes = "x" * (80 * 1024)
    response = api.post(
        "/api/v1/submissions/",
        {"indicator_type": "account-cluster", "payload": {"analyst_notes": notes}},
        format="json",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert (Submission.objects.count(), AuditEvent.objects.count()) == before


def test_a_payload_over_the_intake_limit_is_refused_with_its_path(world, users):
    api = APIClient()
    api.force_authenticate(users["analyst"])
    before = (Submission.objects.count(), AuditEvent.objects.count())
    payload = dict(world.submission.payload, analyst_notes="y" * 70_000)
    response = api.post(
        "/api/v1/submissions/",
        {"indicator_type": "account-cluster", "payload": payload},
        format="json",
    )
    assert response.status_code == 400
    assert "payload" in json.dumps(response.json())
    assert (Submission.objects.count(), AuditEvent.objects.count()) == before


def test_a_form_body_over_the_limit_is_refused(world, users, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024
    client = _login(users, "analyst")
    before = Submission.objects.count()
    response = client.post(
        reverse("submission-new"),
        {"type": "account-cluster", "action": "submit", "analyst_notes": "z" * 32 * 1024},
    )
    assert response.status_code in {400, 413}
    assert Submission.objects.count() == before


def test_a_taxii_envelope_over_the_limit_is_refused(world, users):
    from sharing.taxii.envelope import MAX_CONTENT_LENGTH
    from tests.reliability.test_faults import _basic

    before = Submission.objects.count()
    response = Client().generic(
        "POST",
        f"/taxii2/api/collections/{world.acme_collection}/objects/",
        "{" + " " * (MAX_CONTENT_LENGTH + 1) + "}",
        content_type=MEDIA_TYPE,
        HTTP_ACCEPT=MEDIA_TYPE,
        HTTP_AUTHORIZATION=_basic(users["analyst"]),
    )
    assert response.status_code == 413
    assert Submission.objects.count() == before


def test_policy_versions_in_review_are_frozen(world, users):
    """A hostile edit of a version counsel is reviewing is refused (content-bound approval)."""
    version = policy_version_submit(
        actor=users["member_admin"],
        version=policy_version_draft_create(
            actor=users["member_admin"], rules=world.in_force.rules
        ),
    )
    api = APIClient()
    api.force_authenticate(users["member_admin"])
    response = api.put(
        f"/api/v1/policy-versions/{version.pk}/", {"rules": world.in_force.rules}, format="json"
    )
    assert response.status_code == 409
    assert Path(REPO).exists()
