"""The navigation: one active item, grouped menus, and an inbox of what waits for the user."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from governance.context_processors import active_url, navigation_entries
from governance.services.policy import policy_version_draft_create, policy_version_submit
from tests.governance.fixtures import baseline_rules

pytestmark = pytest.mark.django_db


def test_the_longest_matching_url_is_the_one_active_item():
    urls = ["/", "/submissions/", "/submissions/new/", "/audit/", "/audit/checkpoints/"]
    assert active_url("/", urls) == "/"
    assert active_url("/submissions/new/", urls) == "/submissions/new/"
    assert active_url("/submissions/1234/", urls) == "/submissions/"
    assert active_url("/audit/objects/x/1/", urls) == "/audit/"
    assert active_url("/nowhere/", urls) is None


def test_sectioned_items_are_grouped_in_one_menu_marked_active():
    items = [
        {"label": "Dashboard", "url": "/", "section": ""},
        {"label": "Audit log", "url": "/audit/", "section": "Audit"},
        {"label": "Checkpoints", "url": "/audit/checkpoints/", "section": "Audit"},
    ]
    entries = navigation_entries(items, "/audit/checkpoints/")
    assert [e.get("label") or e["section"] for e in entries] == ["Dashboard", "Audit"]
    assert entries[1]["active"] and [i["active"] for i in entries[1]["items"]] == [False, True]


@pytest.mark.parametrize("who", ["counsel", "analyst", "member_admin", "regulator"])
def test_every_page_highlights_exactly_one_navigation_item(client, users, catalog, who):
    client.force_login(users[who])
    html = client.get(reverse("dashboard")).content.decode()
    nav = html.split('aria-label="Main"')[1].split("</nav>")[0]
    assert nav.count('aria-current="page"') == 1
    assert 'class="skip-link" href="#main"' in html and "favicon.svg" in html


def test_counsel_inbox_lists_a_policy_awaiting_approval_and_mails_a_link(
    client, users, catalog, settings, django_capture_on_commit_callbacks
):
    settings.CLEARROOM_BASE_URL = "https://clearroom.example"
    with django_capture_on_commit_callbacks(execute=True):
        version = policy_version_draft_create(actor=users["member_admin"], rules=baseline_rules())
        policy_version_submit(actor=users["member_admin"], version=version)
    link = f"https://clearroom.example/policy/versions/{version.pk}/review/"
    sent = [m for m in mail.outbox if "awaits approval" in m.subject]
    assert sorted(a for m in sent for a in m.to) == sorted(
        [users["counsel"].email, users["counsel2"].email]
    )
    assert all(link in m.body for m in sent)
    client.force_login(users["counsel"])
    inbox = client.get(reverse("dashboard")).content.decode().split('data-testid="inbox"')[1]
    assert reverse("policy-version-review", args=[version.pk]) in inbox
    assert "Policy to approve" in inbox
    client.force_login(users["analyst"])
    inbox = client.get(reverse("dashboard")).content.decode().split('data-testid="inbox"')[1]
    assert "Nothing waits for you" in inbox and not re.search(r"policy/versions/\d+", inbox)
