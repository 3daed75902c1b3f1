"""Safety-zone statistics: each condition withholds when it fails and only then; who sees what."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import AccessDenied
from sharing.models import SharedIndicator, Statistic
from sharing.selectors.insights import statistic_list
from sharing.services.statistics import statistic_compile
from tests.sharing.fixtures import review_rules, submit

NAME = "weekly-campaign-volume"


@pytest.fixture
def zone_policy(approved_policy):
    rules = review_rules(review=[], type_key="traffic-anomaly")
    rules["aggregates"] = {
        NAME: {
            "min_contributors": 3,
            "max_contributor_share": 0.5,
            "min_age_days": 90,
            "type": "traffic-anomaly",
            "technique_field": "anomaly_kind",
        }
    }
    return approved_policy(rules)


@pytest.fixture
def report(zone_policy, catalog, users, orgs):
    people = {
        "acme": users["analyst"],
        "globex": users["other_analyst"],
        "initech": users["third_analyst"],
    }

    def make(who: str, *, days_ago: int = 120, kind: str = "burst") -> SharedIndicator:
        start = timezone.now() - timedelta(days=days_ago)
        submission = submit(
            user=people[who],
            organization=orgs[who],
            indicator_type=catalog["traffic-anomaly"],
            payload={
                "window_start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "window_end": (start + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "anomaly_kind": kind,
                "attacker_requests": 250000,
            },
        )
        return SharedIndicator.objects.get(submission=submission)

    return make


def _failed(statistic: Statistic) -> set[str]:
    return {r["condition"] for r in statistic.reasons}


def test_published_when_every_condition_holds(users, report):
    report("acme")
    report("acme", kind="systematic-coverage")
    report("globex")
    report("initech")
    statistic = statistic_compile(actor=users["counsel"], name=NAME)
    assert statistic.status == Statistic.Status.PUBLISHED and statistic.reasons == []
    assert set(statistic.values["series"]) == {"burst", "systematic-coverage"}
    assert statistic.contributor_count == 3 and statistic.data_count == 4
    event = AuditEvent.objects.filter(action="statistic.compiled").latest("seq")
    assert event.data["status"] == "published" and event.data["failed_conditions"] == []


def test_too_few_contributors_withholds(users, report):
    report("acme")
    report("globex")
    statistic = statistic_compile(actor=users["counsel"], name=NAME)
    assert statistic.status == Statistic.Status.WITHHELD and statistic.values == {}
    assert _failed(statistic) == {"min_contributors"}


def test_a_dominant_member_withholds(users, report):
    for _ in range(3):
        report("acme")
    report("globex")
    report("initech")
    statistic = statistic_compile(actor=users["counsel"], name=NAME)
    assert _failed(statistic) == {"max_contributor_share"}


def test_recent_data_withholds(users, report):
    for who in ("acme", "globex", "initech"):
        report(who, days_ago=10)
    now = timezone.now()
    statistic = statistic_compile(
        actor=users["counsel"], name=NAME, period_start=now - timedelta(days=30), period_end=now
    )
    assert _failed(statistic) == {"min_age_days"}
    event = AuditEvent.objects.filter(action="statistic.compiled").latest("seq")
    assert event.data["failed_conditions"] == ["min_age_days"]


def test_only_counsel_compiles(users, report):
    for role in ("analyst", "member_admin", "regulator"):
        with pytest.raises(AccessDenied):
            statistic_compile(actor=users[role], name=NAME)
    assert not Statistic.objects.exists()


def test_withheld_reasons_are_for_counsel_only(client, users, report):
    report("acme")
    statistic_compile(actor=users["counsel"], name=NAME)
    [mine] = statistic_list(actor=users["analyst"])
    assert mine.latest.status == "withheld" and mine.reasons is None
    [counsels] = statistic_list(actor=users["counsel"])
    assert counsels.reasons
    client.force_login(users["analyst"])
    page = client.get(reverse("insights-statistics")).content.decode()
    assert "withheld" in page and "required" not in page and 'data-testid="reasons"' not in page
    api = client.get(reverse("api-statistics")).json()["results"][0]
    assert api["status"] == "withheld" and "reasons" not in api and api["values"] is None
    client.force_login(users["counsel"])
    page = client.get(reverse("insights-statistics")).content.decode()
    assert 'data-testid="reasons"' in page and "at least 3 are required" in page


def test_published_statistic_is_a_chart_and_in_the_api(client, users, report):
    for who in ("acme", "globex", "initech"):
        report(who)
    statistic_compile(actor=users["counsel"], name=NAME)
    client.force_login(users["third_analyst"])
    page = client.get(reverse("insights-statistics")).content.decode()
    assert "<svg" in page and "<rect" in page and "<script" not in page.split("<main")[1]
    api = client.get(reverse("api-statistics")).json()["results"][0]
    assert api["status"] == "published" and api["values"]["series"]["burst"]


def test_compile_through_the_api_and_the_page(client, users, report):
    report("acme")
    client.force_login(users["counsel"])
    response = client.post(
        reverse("api-statistics-compile"),
        data=json.dumps({"name": NAME}),
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["status"] == "withheld"
    response = client.post(reverse("insights-statistics-compile"), {"name": NAME})
    assert response.status_code == 302 and Statistic.objects.count() == 2
    client.force_login(users["analyst"])
    assert client.post(reverse("insights-statistics-compile"), {"name": NAME}).status_code == 403
    response = client.post(
        reverse("api-statistics-compile"),
        data=json.dumps({"name": NAME}),
        content_type="application/json",
    )
    assert response.status_code == 403
    client.force_login(users["counsel"])
    response = client.post(
        reverse("api-statistics-compile"),
        data=json.dumps({"name": "no-such-statistic"}),
        content_type="application/json",
    )
    assert response.status_code == 404
