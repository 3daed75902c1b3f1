"""No page or API answer tells a member which other members saw a shared pseudonym."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.sharing.fixtures_correlation import publish_from

OTHERS_OF_ACME = ("Globex", "globex", "Initech", "initech")
PAGES = ("insights-campaigns", "insights-statistics")
API = ("api-correlated-indicators", "api-campaigns", "api-statistics")


@pytest.fixture
def campaign(users, orgs, publish):
    return [publish_from(users, orgs, publish, who) for who in ("acme", "globex", "initech")]


def _get(client, user, url_name):
    client.force_login(user)
    response = client.get(reverse(url_name))
    assert response.status_code == 200, (url_name, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("url_name", PAGES + API)
def test_member_answers_never_name_other_members(client, users, campaign, url_name):
    body = _get(client, users["analyst"], url_name)
    for name in OTHERS_OF_ACME:
        assert name not in body, (url_name, name)


def test_member_sees_the_badge_and_campaign_count(client, users, campaign):
    body = _get(client, users["analyst"], "insights-campaigns")
    assert "seen by 3 members" in body
    assert "oprf:" not in body and "hmac:" not in body  # shared pseudonyms are for oversight only
    data = json.loads(_get(client, users["analyst"], "api-campaigns"))
    [found] = data["results"]
    assert found["member_count"] == 3 and "organizations" not in found
    assert all("contributor" not in row for row in found["indicators"])
    listed = json.loads(_get(client, users["analyst"], "api-correlated-indicators"))["results"]
    assert listed and all(item["seen_by"] == {"count": 3} for item in listed)


def test_two_members_leave_nothing_for_either(client, users, orgs, publish):
    publish_from(users, orgs, publish, "acme")
    publish_from(users, orgs, publish, "globex")
    for user in (users["analyst"], users["other_analyst"]):
        body = _get(client, user, "insights-campaigns")
        assert 'data-testid="seen-by"' not in body and 'data-testid="campaign"' not in body
        assert json.loads(_get(client, user, "api-campaigns")) == {"results": []}
        assert json.loads(_get(client, user, "api-correlated-indicators")) == {"results": []}


@pytest.mark.parametrize("role", ["counsel", "regulator"])
def test_oversight_sees_the_full_picture(client, users, campaign, role):
    body = _get(client, users[role], "insights-campaigns")
    assert "Globex Labs" in body and "Initech" in body and "Acme AI" in body
    data = json.loads(_get(client, users[role], "api-campaigns"))
    assert set(data["results"][0]["organizations"]) == {"acme", "globex", "initech"}
    assert data["results"][0]["shared_tokens"][0].startswith("oprf:")


def test_anonymous_callers_are_turned_away(client, campaign):
    assert client.get(reverse("insights-campaigns")).status_code == 302
    assert client.get(reverse("api-campaigns")).status_code in (401, 403)


def test_campaign_list_query_count_does_not_grow_with_indicators(
    users,
    orgs,
    publish,
    django_assert_max_num_queries,
):
    from sharing.selectors.insights import campaign_list

    for who in ("acme", "globex", "initech", "acme", "globex"):
        publish_from(users, orgs, publish, who)
    with django_assert_max_num_queries(12):
        assert campaign_list(actor=users["counsel"])
