"""The feed and detail pages show "seen by N members" without naming the other members."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.sharing.fixtures_correlation import publish_from

pytestmark = pytest.mark.django_db


def test_member_feed_shows_the_count_and_no_member_names(client, users, orgs, publish):
    mine = publish_from(users, orgs, publish, "acme")
    publish_from(users, orgs, publish, "globex")
    publish_from(users, orgs, publish, "initech")
    client.force_login(users["analyst"])
    feed = client.get(reverse("indicator-list")).content.decode()
    assert "seen by 3 members" in feed
    detail = client.get(reverse("indicator-detail", args=[mine.pk])).content.decode()
    assert "seen by 3 members" in detail
    for other in ("Globex Labs", "Initech"):
        assert other not in detail


def test_counsel_detail_names_the_members(client, users, orgs, publish):
    mine = publish_from(users, orgs, publish, "acme")
    publish_from(users, orgs, publish, "globex")
    client.force_login(users["counsel"])
    detail = client.get(reverse("indicator-detail", args=[mine.pk])).content.decode()
    assert 'data-testid="seen-by-orgs"' in detail
    assert "Globex Labs" in detail and "Acme AI" in detail


def test_single_member_feed_shows_no_count(client, users, orgs, publish):
    publish_from(users, orgs, publish, "acme")
    client.force_login(users["analyst"])
    assert "seen by" not in client.get(reverse("indicator-list")).content.decode()
