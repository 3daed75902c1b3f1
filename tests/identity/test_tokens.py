"""API tokens with scopes, an expiry and source networks: every route says which scope it
needs, and a token used outside what it was issued for is refused with the reason."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit import actions
from audit.models import AuditEvent
from config.errors import AccessDenied, ValidationFailed
from governance.api.scopes import ROUTE_SCOPES, scope_needed
from governance.models import ApiToken
from governance.services.accounts import (
    api_token_create,
    organization_token_policy_set,
)
from sharing.taxii.envelope import MEDIA_TYPE

pytestmark = pytest.mark.django_db


def _api_routes():
    """Yield (route name, view class) of every route under /api/v1/."""

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}{entry.namespace}:"
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                path = prefix + str(entry.pattern)
                if path.startswith("api/v1/"):
                    yield f"{namespace}{entry.name}", entry.callback.view_class

    return list(walk(get_resolver().url_patterns, "", ""))


def _methods(view_class) -> set[str]:
    return {
        method.upper()
        for method in ("get", "post", "put", "patch", "delete")
        if hasattr(view_class, method)
    }


def test_every_api_route_and_method_declares_the_scope_it_needs():
    routes = _api_routes()
    assert len(routes) >= 40
    missing = [
        f"{name} {method}"
        for name, view in routes
        for method in _methods(view)
        if method not in ROUTE_SCOPES.get(name, {})
    ]
    assert missing == []


def test_the_scope_table_names_no_route_or_method_that_does_not_exist():
    routes = dict(_api_routes())
    stale = [
        f"{name} {method}"
        for name, methods in ROUTE_SCOPES.items()
        for method in methods
        if name not in routes or method not in _methods(routes[name])
    ]
    assert stale == []


def test_head_and_options_need_what_get_needs_and_unknown_routes_take_no_token():
    assert scope_needed("audit_api:events", "HEAD") == "audit:read"
    assert scope_needed("api-indicators", "OPTIONS") == "read"
    assert scope_needed("api-submissions", "DELETE") is None
    assert scope_needed("no-such-route", "GET") is None


def _token(users, orgs, **kwargs) -> tuple[ApiToken, str]:
    return api_token_create(
        actor=users["member_admin"],
        user=users["analyst"],
        organization=orgs["acme"],
        name=kwargs.pop("name", "ci"),
        **kwargs,
    )


def _api(secret: str, **extra) -> APIClient:
    client = APIClient(**extra)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_token_without_chosen_scopes_reads_and_submits_for_ninety_days(users, orgs):
    token, _ = _token(users, orgs)
    assert token.scopes == ["read", "submit"]
    lifetime = token.expires_at - timezone.now()
    assert timedelta(days=89, hours=23) < lifetime <= timedelta(days=90)
    event = AuditEvent.objects.filter(action=actions.API_TOKEN_CREATED).latest("seq")
    assert event.data["scopes"] == ["read", "submit"]


def test_an_expired_token_is_refused_with_401_naming_the_expiry(catalog, users, orgs):
    token, secret = _token(users, orgs)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = _api(secret).get(reverse("api-indicator-types"))
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert "expired" in response.json()["detail"]


def test_a_read_only_token_cannot_submit(catalog, users, orgs):
    _, secret = _token(users, orgs, scopes=["read"])
    client = _api(secret)
    assert client.get(reverse("api-submissions")).status_code == 200
    response = client.post(reverse("api-submissions"), {}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "token_out_of_scope"
    assert "'submit'" in body["detail"]


def test_a_token_without_audit_read_is_refused_by_the_audit_api(users, orgs):
    _, secret = _token(users, orgs)
    response = _api(secret).get(reverse("audit_api:events"))
    assert response.status_code == 403
    assert response.json()["code"] == "token_out_of_scope"


def test_policy_approval_takes_no_token_whatever_its_scopes(users, orgs):
    _, secret = _token(users, orgs, scopes=["read", "submit", "audit:read"])
    response = _api(secret).post(reverse("api-policy-version-approve", args=[1]), {})
    assert response.status_code == 403
    assert response.json()["code"] == "token_not_accepted"


def test_a_token_limited_to_a_network_is_refused_elsewhere(catalog, users, orgs):
    token, secret = _token(users, orgs, allowed_networks="10.20.0.0/16\n192.0.2.7")
    assert token.allowed_networks == ["10.20.0.0/16", "192.0.2.7/32"]
    outside = _api(secret, REMOTE_ADDR="198.51.100.1").get(reverse("api-indicator-types"))
    assert outside.status_code == 403
    assert outside.json()["code"] == "token_source_refused"
    assert "198.51.100.1" in outside.json()["detail"]
    inside = _api(secret, REMOTE_ADDR="10.20.3.4").get(reverse("api-indicator-types"))
    assert inside.status_code == 200
    token.refresh_from_db()
    assert token.last_used_ip == "10.20.3.4"
    assert token.last_used_at is not None


def test_a_refused_token_is_not_marked_as_used(catalog, users, orgs):
    token, secret = _token(users, orgs, scopes=["read"])
    _api(secret).post(reverse("api-submissions"), {}, format="json")
    token.refresh_from_db()
    assert token.last_used_at is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"days": 400}, "days"),
        ({"days": 0}, "days"),
        ({"scopes": ["admin"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"allowed_networks": "10.0.0.0/33"}, "allowed_networks"),
        ({"allowed_networks": "intranet"}, "allowed_networks"),
    ],
)
def test_bad_token_settings_are_refused_and_leave_nothing_behind(users, orgs, kwargs, field):
    with pytest.raises(ValidationFailed) as refused:
        _token(users, orgs, **kwargs)
    assert refused.value.errors[0]["field"] == field
    assert not ApiToken.objects.exists()


def test_the_organization_sets_the_longest_lifetime(users, orgs):
    organization_token_policy_set(
        actor=users["member_admin"], organization=orgs["acme"], max_days=30
    )
    with pytest.raises(ValidationFailed):
        _token(users, orgs, days=31)
    token, _ = _token(users, orgs)  # the default shrinks to the maximum
    assert token.expires_at - timezone.now() <= timedelta(days=30)
    event = AuditEvent.objects.filter(action=actions.API_TOKEN_POLICY_CHANGED).latest("seq")
    assert event.data == {"max_days": 30, "before": 365}


def test_only_the_member_admin_sets_the_longest_lifetime(users, orgs):
    for user, org in ((users["analyst"], "acme"), (users["other_admin"], "acme")):
        with pytest.raises(AccessDenied):
            organization_token_policy_set(actor=user, organization=orgs[org], max_days=10)
    orgs["acme"].refresh_from_db()
    assert orgs["acme"].api_token_max_days == 365


def _taxii_headers(secret: str, basic: bool = False) -> dict:
    if basic:
        raw = base64.b64encode(f"acme-analyst:{secret}".encode()).decode()
        return {"HTTP_AUTHORIZATION": f"Basic {raw}", "HTTP_ACCEPT": MEDIA_TYPE}
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT": MEDIA_TYPE}


@pytest.mark.parametrize("basic", [False, True])
def test_taxii_refuses_an_expired_or_out_of_scope_token_with_the_reason(users, orgs, basic):
    token, secret = _token(users, orgs, scopes=["read"])
    client = Client()
    assert (
        client.get("/taxii2/api/collections/", **_taxii_headers(secret, basic)).status_code == 200
    )
    posted = client.post(
        "/taxii2/api/collections/any/objects/",
        data="{}",
        content_type=MEDIA_TYPE,
        **_taxii_headers(secret, basic),
    )
    assert posted.status_code == 403
    assert "'submit'" in posted.json()["description"]
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    expired = client.get("/taxii2/api/collections/", **_taxii_headers(secret, basic))
    assert expired.status_code == 401
    assert "expired" in expired.json()["description"]


def test_the_tokens_page_issues_a_scoped_expiring_token_and_shows_its_last_use(
    catalog, users, orgs
):
    client = Client()
    client.force_login(users["member_admin"])
    response = client.post(
        reverse("api-tokens"),
        {
            "user": users["analyst"].pk,
            "name": "feed reader",
            "scopes": ["read"],
            "days": "7",
            "allowed_networks": "127.0.0.0/8",
        },
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="feed reader")
    assert token.scopes == ["read"]
    assert token.allowed_networks == ["127.0.0.0/8"]
    assert timedelta(days=6) < token.expires_at - timezone.now() <= timedelta(days=7)
    secret = response.context["secret"]
    assert _api(secret).get(reverse("api-indicator-types")).status_code == 200
    page = client.get(reverse("api-tokens")).content.decode()
    assert "from 127.0.0.1" in page and "127.0.0.0/8" in page


def test_the_tokens_page_refuses_a_lifetime_over_the_maximum_next_to_the_field(users, orgs):
    client = Client()
    client.force_login(users["member_admin"])
    response = client.post(
        reverse("api-tokens"),
        {"user": users["analyst"].pk, "name": "long", "scopes": ["read"], "days": "366"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["days"]
    assert not ApiToken.objects.exists()


def test_the_tokens_page_sets_the_longest_lifetime(users, orgs):
    client = Client()
    client.force_login(users["member_admin"])
    response = client.post(reverse("api-tokens"), {"max_days": "60"})
    assert response.status_code == 302
    orgs["acme"].refresh_from_db()
    assert orgs["acme"].api_token_max_days == 60
