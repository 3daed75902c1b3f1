"""Search and pivot: a value typed by a reader finds the indicators carrying it in the form the
reader may see, never anything outside their scope; the filtered feed exports as STIX or CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from audit import actions
from audit.models import AuditEvent
from config.errors import AccessDenied
from sharing.core.search import needles
from sharing.selectors.search import indicator_search, submission_search
from tests.sharing.fixtures import acknowledge_all, publish


def _ids(qs):
    return [str(i.pk) for i in qs]


@pytest.mark.parametrize(
    "query",
    [
        "bot1@mailinator.example",
        "BOT1@Mailinator.Example",
        "203.0.113.5",
        "bot1[at]mailinator[.]example",
    ],
)
def test_recipient_finds_indicator_by_value_in_its_published_form(published, users, query):
    reader = users["other_analyst"]
    acknowledge_all(reader, published)
    assert "bot1@mailinator.example" not in json.dumps(published.redacted_payload)
    found = indicator_search(actor=reader, filters={"q": query})
    assert _ids(found) == [str(published.pk)]


@pytest.mark.parametrize("query", ["bot9@mailinator.example", "198.51.100.7", "203.0.114.77"])
def test_other_values_find_nothing(published, users, query):
    reader = users["other_analyst"]
    acknowledge_all(reader, published)
    assert _ids(indicator_search(actor=reader, filters={"q": query})) == []


def test_outsider_finds_nothing_and_a_user_without_feed_is_refused(published, users):
    from tests.factories import UserFactory

    outsider = users["third_analyst"]
    acknowledge_all(outsider, published)
    assert _ids(indicator_search(actor=outsider, filters={"q": "203.0.113.77"})) == []
    with pytest.raises(AccessDenied):
        indicator_search(actor=UserFactory(username="nobody"), filters={"q": "203.0.113.77"})


def test_search_never_matches_the_original_payload(published, users):
    # The e-mails are published as tokens: part of an original address finds nothing, while
    # a kept value ("velocity") is found as free text.
    reader = users["other_analyst"]
    acknowledge_all(reader, published)
    assert _ids(indicator_search(actor=reader, filters={"q": "bot1@mailinator"})) == []
    assert _ids(indicator_search(actor=reader, filters={"q": "velocity"})) == [str(published.pk)]


def test_needles_bound_networks_so_a_prefix_does_not_match_a_longer_address():
    from sharing.core.redaction import PseudonymKey

    found = needles("10.0.0.1", [PseudonymKey("k1", b"s" * 16)])
    assert '"10.0.0.0/8"' in found and " 10.0.0.0/8" in found
    assert "10.0.0.0/8" not in found


def test_filters_by_type_tlp_and_dates(published, users):
    reader = users["other_analyst"]
    acknowledge_all(reader, published)
    day = published.published_at.date()
    match = {"type": "account-cluster", "tlp": published.tlp, "date_from": day, "date_to": day}
    assert _ids(indicator_search(actor=reader, filters=match)) == [str(published.pk)]
    assert _ids(indicator_search(actor=reader, filters={**match, "tlp": "RED"})) == []
    after = day.replace(year=day.year + 1)
    assert _ids(indicator_search(actor=reader, filters={"date_from": after})) == []


def test_feed_page_shows_summary_and_selects(published, users, client):
    reader = users["other_analyst"]
    acknowledge_all(reader, published)
    client.force_login(reader)
    page = client.get(reverse("indicator-list"), {"q": "bot2@mailinator.example"})
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('data-testid="indicator-row"') == 1
    assert "Accounts in cluster: 42 · Account emails: oprf:" in body
    assert '<select name="type"' in body and "Account cluster" in body
    assert '<select name="tlp"' in body
    assert "203.0.113.77" not in body


def test_feed_pages_and_sorts_past_the_first_page(
    published, make_submission, users, client, monkeypatch
):
    from sharing.views import indicators

    second = publish(make_submission(), users)
    reader = users["other_analyst"]
    acknowledge_all(reader, published)
    client.force_login(reader)
    monkeypatch.setattr(indicators, "PAGE_SIZE", 1)
    first = client.get(reverse("indicator-list"), {"sort": "published"}).content.decode()
    last = client.get(reverse("indicator-list"), {"sort": "published", "page": 2}).content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in last
    assert str(published.pk) in first and str(second.pk) in last
    newest = client.get(reverse("indicator-list"), {"sort": "-published"}).content.decode()
    assert str(second.pk) in newest


def test_empty_feed_says_indicators_wait_behind_the_terms(published, users, client):
    client.force_login(users["other_analyst"])
    body = client.get(reverse("indicator-list")).content.decode()
    assert "No indicator is addressed to you yet" not in body
    assert "waiting for you behind the handling terms" in body


def test_csv_export_holds_published_forms_only_and_is_audited(published, users, client):
    reader = users["other_analyst"]
    acknowledge_all(reader, published)
    client.force_login(reader)
    response = client.get(reverse("feed-export-csv"), {"q": "203.0.113.9"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 2 and rows[1][1] == "Account cluster"
    assert "203.0.113.0/24" in rows[1][-1] and "203.0.113.77" not in response.content.decode()
    assert "bot1@mailinator.example" not in response.content.decode()
    assert rows[1][6] == "anonymous member"
    event = AuditEvent.objects.filter(action=actions.INDICATORS_EXPORTED).last()
    assert event.data["count"] == 1 and event.data["filters"]["format"] == "csv"


def test_stix_export_from_the_page_follows_the_filters(published, users, client):
    reader = users["other_analyst"]
    acknowledge_all(reader, published)
    client.force_login(reader)
    bundle = client.get(reverse("feed-export-stix"), {"q": "bot1@mailinator.example"}).json()
    assert [o["type"] for o in bundle["objects"] if o["type"] in ("indicator", "note")]
    empty = client.get(reverse("feed-export-stix"), {"q": "nothing-like-this"}).json()
    assert not [o for o in empty["objects"] if o["type"] in ("indicator", "note")]
    client.force_login(users["third_analyst"])
    outsider = client.get(reverse("feed-export-csv")).content.decode()
    assert len(outsider.strip().splitlines()) == 1


def test_submission_search_is_scoped_to_own_organization(published, users, client):
    submission = published.submission
    for who in ("analyst", "legal_reviewer"):
        found = submission_search(actor=users[who], filters={"q": "bot1@mailinator.example"})
        assert [s.pk for s in found] == [submission.pk]
    assert list(submission_search(actor=users["other_analyst"], filters={})) == []
    assert list(submission_search(actor=users["counsel"], filters={})) == []
    client.force_login(users["analyst"])
    body = client.get(reverse("submission-list"), {"state": "published", "sort": "type"})
    assert body.content.decode().count('data-testid="submission-row"') == 1


def test_review_queue_filters_type_by_display_name(published, users, client):
    client.force_login(users["counsel"])
    body = client.get(reverse("review-queue"), {"type": "account-cluster"}).content.decode()
    assert '<select id="f-type" name="type">' in body
    assert '<option value="account-cluster" selected>Account cluster</option>' in body
