"""The feed at every exit: page, API list, API detail, notifications; anonymity; markings."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from sharing.models import SharedIndicator
from sharing.services.publication import notify_recipients
from tests.sharing.fixtures import acknowledge_all, publish


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_audience_member_reads_redacted_form_without_contributor(published, users, client):
    reader = users["other_analyst"]
    acknowledge_all(reader, published)
    body = _api(reader).get("/api/v1/indicators/").json()
    assert [r["id"] for r in body["results"]] == [str(published.pk)]
    row = body["results"][0]
    assert row["redacted_payload"] == published.redacted_payload
    assert "203.0.113.77" not in str(row)
    assert row["contributor"] is None
    detail = _api(reader).get(f"/api/v1/indicators/{published.pk}/").json()
    assert detail["contributor"] is None
    client.force_login(reader)
    page = client.get(reverse("indicator-detail", args=[published.pk])).content.decode()
    assert "anonymous member" in page and "Acme AI" not in page


@pytest.mark.parametrize("who", ["counsel", "regulator", "analyst"])
def test_oversight_and_contributor_see_the_contributor(published, users, who):
    acknowledge_all(users[who], published)
    detail = _api(users[who]).get(f"/api/v1/indicators/{published.pk}/").json()
    assert detail["contributor"] == "acme"
    assert detail["redacted_payload"] == published.redacted_payload


def test_outsider_org_sees_nothing_at_any_exit(published, users, client, mailoutbox):
    outsider = users["third_analyst"]
    acknowledge_all(outsider, published)
    api = _api(outsider)
    assert api.get("/api/v1/indicators/").json()["results"] == []
    assert api.get(f"/api/v1/indicators/{published.pk}/").status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("indicator-detail", args=[published.pk])).status_code == 404
    assert published.stix_id not in client.get(reverse("indicator-list")).content.decode()
    notify_recipients(indicator_id=str(published.pk))
    recipients = {address for m in mailoutbox for address in m.to}
    assert outsider.email not in recipients
    assert users["other_analyst"].email in recipients
    assert all(published.redacted_payload["email_domain"] not in m.body for m in mailoutbox)


def test_role_without_feed_is_refused(published, users):
    from tests.factories import UserFactory

    nobody = UserFactory(username="no-membership")
    assert _api(nobody).get("/api/v1/indicators/").status_code == 403


def test_marking_gate_blocks_until_acknowledged(published, users, client):
    reader = users["other_analyst"]
    refused = _api(reader).get("/api/v1/indicators/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "marking_not_acknowledged"
    assert refused.json()["markings"] == ["PAP:GREEN", "TLP:AMBER+STRICT"]
    assert _api(reader).get(f"/api/v1/indicators/{published.pk}/").status_code == 403
    client.force_login(reader)
    page = client.get(reverse("indicator-list")).content.decode()
    assert 'data-testid="marking-gate"' in page and "TLP:AMBER+STRICT" in page
    assert 'data-testid="indicator-row"' not in page
    for marking in ("TLP:AMBER+STRICT", "PAP:GREEN"):
        response = _api(reader).post(
            "/api/v1/markings/acknowledge/", {"marking": marking}, format="json"
        )
        assert response.status_code == 201
    _api(reader).post("/api/v1/markings/acknowledge/", {"marking": "PAP:GREEN"}, format="json")
    assert AuditEvent.objects.filter(action="marking.acknowledged").count() == 2
    assert _api(reader).get("/api/v1/indicators/").status_code == 200
    page = client.get(reverse("indicator-list")).content.decode()
    assert 'data-testid="marking-gate"' not in page and 'data-testid="indicator-row"' in page


def test_list_filters_ordering_pagination_and_query_count(
    two_org_policy, make_submission, users, django_assert_num_queries
):
    indicators = [publish(make_submission(), users) for _ in range(3)]
    reader = users["other_analyst"]
    acknowledge_all(reader, indicators[0])
    api = _api(reader)
    api.get("/api/v1/indicators/")  # warm the session-independent caches
    # acknowledgements (read once for the gate and the page), markings in scope, the page
    with django_assert_num_queries(3):
        body = api.get("/api/v1/indicators/?page_size=2").json()
    newest_first = sorted(indicators, key=lambda i: (i.published_at, str(i.pk)), reverse=True)
    ids = [r["id"] for r in body["results"]]
    assert len(body["results"]) == 3 or body["next"]
    assert ids[0] == str(newest_first[0].pk)
    assert api.get("/api/v1/indicators/?type=proxy-service").json()["results"] == []
    assert len(api.get("/api/v1/indicators/?tlp=amber%2Bstrict").json()["results"]) == 3
    later = newest_first[0].published_at.isoformat().replace("+00:00", "Z")
    assert api.get("/api/v1/indicators/", {"published_after": later}).json()["results"] == []
    assert api.get("/api/v1/indicators/?published_after=yesterday").status_code == 400


def test_page_query_count_does_not_grow_with_rows(
    two_org_policy, make_submission, users, client, django_assert_max_num_queries
):
    first = publish(make_submission(), users)
    reader = users["other_analyst"]
    acknowledge_all(reader, first)
    client.force_login(reader)
    client.get(reverse("indicator-list"))
    for _ in range(4):
        publish(make_submission(), users)
    # 12 for the feed, and 1 for the antitrust-charter gate (membership.middleware), which reads
    # the version in force on every page.
    with django_assert_max_num_queries(13):
        page = client.get(reverse("indicator-list")).content.decode()
    assert page.count('data-testid="indicator-row"') == 5


def test_withdrawn_is_shown_as_withdrawn(published, users, client):
    from sharing.services.lifecycle_jobs import indicator_withdraw

    reader = users["other_analyst"]
    acknowledge_all(reader, published)
    refused = _api(reader).post(
        f"/api/v1/indicators/{published.pk}/withdraw/", {"reason": "mine now"}, format="json"
    )
    assert refused.status_code == 403
    indicator_withdraw(actor=users["analyst"], indicator=published, reason="False positive.")
    row = _api(reader).get(f"/api/v1/indicators/{published.pk}/").json()
    assert row["withdrawn"] is True
    client.force_login(reader)
    page = client.get(reverse("indicator-detail", args=[published.pk])).content.decode()
    assert 'data-testid="withdrawn"' in page
    assert SharedIndicator.objects.get(pk=published.pk).submission.state == "withdrawn"


def test_api_stix_id_is_the_id_taxii_and_the_export_serve(published, users):
    from sharing.stix import indicator_to_stix

    reader = users["other_analyst"]
    acknowledge_all(reader, published)
    detail = _api(reader).get(f"/api/v1/indicators/{published.pk}/").json()
    # Account clusters have no observable pattern, so they travel as STIX notes.
    assert detail["stix_id"].startswith("note--")
    assert detail["stix_id"] == indicator_to_stix(published)["id"]


def test_counsel_places_a_legal_hold_without_reading_the_indicator(published, users):
    # Holding evidence discloses nothing, so it needs no marking acknowledgement; the answer
    # carries no payload either.
    response = _api(users["counsel"]).post(
        f"/api/v1/indicators/{published.pk}/legal-hold/",
        {"hold": True, "reason": "Regulator's inquiry 2026-17"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["legal_hold"] is True and "redacted_payload" not in body
    published.submission.refresh_from_db()
    assert published.submission.legal_hold
    # Reading it still needs the terms accepted.
    detail = _api(users["counsel"]).get(f"/api/v1/indicators/{published.pk}/")
    assert detail.status_code == 403
    assert detail.json()["code"] == "marking_not_acknowledged"


def test_legal_hold_stays_counsel_only_and_scoped(published, users):
    body = {"hold": True, "reason": "no"}
    assert (
        _api(users["analyst"])
        .post(f"/api/v1/indicators/{published.pk}/legal-hold/", body, format="json")
        .status_code
        == 403
    )
    assert (
        _api(users["third_analyst"])
        .post(f"/api/v1/indicators/{published.pk}/legal-hold/", body, format="json")
        .status_code
        == 404
    )


def test_api_list_query_count_does_not_grow_with_rows(
    two_org_policy, make_submission, users, django_assert_num_queries
):
    first = publish(make_submission(), users)
    reader = users["other_analyst"]
    acknowledge_all(reader, first)
    api = _api(reader)
    api.get("/api/v1/indicators/")
    # acknowledgements (read once), markings in scope, the page (memberships cached on the user)
    with django_assert_num_queries(3):
        body = api.get("/api/v1/indicators/").json()
    assert len(body["results"]) == 1
    for _ in range(5):
        publish(make_submission(), users)
    with django_assert_num_queries(3):
        body = api.get("/api/v1/indicators/").json()
    rows = body["results"]
    assert len(rows) == 6 and {r["indicator_type"] for r in rows} == {"account-cluster"}
    assert all(r["contributor"] is None and r["stix_id"].startswith("note--") for r in rows)


@pytest.mark.parametrize(
    ("accepted", "pending"),
    [
        ((), ["PAP:GREEN", "TLP:AMBER+STRICT"]),
        (("TLP:AMBER+STRICT",), ["PAP:GREEN"]),
        (("PAP:GREEN", "TLP:RED", "PAP:RED"), ["TLP:AMBER+STRICT"]),
        (("PAP:GREEN", "TLP:AMBER+STRICT"), []),
    ],
)
def test_pending_markings_are_those_in_scope_not_accepted(published, users, accepted, pending):
    from sharing.selectors.indicators import pending_markings
    from sharing.services.publication import marking_acknowledge

    reader, outsider = users["other_analyst"], users["third_analyst"]
    for marking in accepted:
        marking_acknowledge(actor=reader, marking=marking)
    assert pending_markings(actor=reader) == pending
    assert pending_markings(actor=outsider) == []  # nothing in its scope
