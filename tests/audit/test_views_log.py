"""Audit pages: browse, filter, page, timelines, checkpoints, cosign and export requests."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit import actions
from audit.core.signed_note import cosign, split_note
from audit.models import AuditCosignature, AuditEvent, AuditExport
from audit.services.checkpoints import audit_checkpoint_create
from tests.audit.helpers import append, cosigner

pytestmark = pytest.mark.django_db


@pytest.fixture
def regulator(client, users):
    client.force_login(users["regulator"])
    return client


def test_browser_filters_and_pages_by_seq(regulator, django_assert_max_num_queries):
    append(120)
    url = reverse("audit:events")
    with django_assert_max_num_queries(8):
        first = regulator.get(url, {"action": actions.HEALTH_PINGED})
    rows = first.context["events"]
    assert len(rows) == 50 and all(e.action == actions.HEALTH_PINGED for e in rows)
    assert first.context["older_query"]
    second = regulator.get(f"{url}?{first.context['older_query']}")
    assert second.context["events"][0].seq == rows[-1].seq - 1
    org = regulator.get(url, {"organization": "acme"})
    assert all(e.actor_org == "acme" for e in org.context["events"])
    bad = regulator.get(url, {"since": "not a date"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_object_timeline_lists_its_events_in_order(regulator, users):
    membership_events = AuditEvent.objects.filter(object_type="governance.membership")
    target = membership_events.first()
    response = regulator.get(reverse("audit:timeline", args=[target.object_type, target.object_id]))
    assert [e.seq for e in response.context["events"]] == [target.seq]


def test_checkpoint_page_shows_the_key_and_accepts_a_cosignature(regulator):
    append(2)
    checkpoint = audit_checkpoint_create()
    page = regulator.get(reverse("audit:checkpoints"))
    assert page.context["key_id"] in page.content.decode()
    assert page.context["can_cosign"]
    private, key_text = cosigner()
    line = cosign(split_note(checkpoint.note)[0], "authority.example/witness", private, 7)
    form = {"checkpoint_size": checkpoint.size, "verifier_key": key_text, "cosignature": line}
    bad = regulator.post(reverse("audit:cosign"), {**form, "verifier_key": "nonsense"})
    assert bad.status_code == 400 and bad.context["form"].errors["verifier_key"]
    done = regulator.post(reverse("audit:cosign"), form)
    assert done.status_code == 302
    assert AuditCosignature.objects.count() == 1
    note = regulator.get(reverse("audit:checkpoint_note", args=[checkpoint.size]))
    assert note.content.decode().endswith(line)


def test_counsel_cannot_cosign(client, users):
    append(1)
    checkpoint = audit_checkpoint_create()
    client.force_login(users["counsel"])
    assert not client.get(reverse("audit:checkpoints")).context["can_cosign"]
    response = client.post(
        reverse("audit:cosign"),
        {"checkpoint_size": checkpoint.size, "verifier_key": "x", "cosignature": "y"},
    )
    assert response.status_code in (400, 403)
    assert not AuditCosignature.objects.exists()


def test_export_request_form_builds_and_lists_the_export(
    regulator, django_capture_on_commit_callbacks
):
    append(4)
    bad = regulator.post(reverse("audit:exports"), {"from_seq": 3, "to_seq": 1})
    assert bad.status_code == 400 and not AuditExport.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = regulator.post(reverse("audit:exports"), {"from_seq": "", "to_seq": ""})
    assert response.status_code == 302
    export = AuditExport.objects.get()
    page = regulator.get(reverse("audit:exports"))
    assert reverse("audit:export_download", args=[export.pk]) in page.content.decode()
    row = regulator.get(reverse("audit:export_row", args=[export.pk]))
    assert "hx-trigger" not in row.content.decode()
    download = regulator.get(reverse("audit:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
