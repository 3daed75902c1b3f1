"""Rescan on detector upgrade: published free text read again lands on counsel's recall list."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditEvent
from sharing.core import scanning
from sharing.core.scanning import Finding
from sharing.models import SharedIndicator
from sharing.services.lifecycle_jobs import indicator_withdraw
from sharing.services.rescan import indicators_rescan
from sharing.tasks import detector_rescan_task, recall_scan_task

NOTES = "Scripted signups through one relay."

SHIPPED_VERSION = scanning.DETECTOR_VERSION  # before a test monkeypatches an upgrade


def _upgrade(monkeypatch, version="test-2"):
    """Deploy a 'new detector' that flags the word relay."""

    def new_scan(text, *, watchlist=None):
        at = text.find("relay")
        if at < 0:
            return []
        return [Finding("customer", at, at + 5, "customer.test", "Names a relay the lab serves.")]

    monkeypatch.setattr(scanning, "DETECTOR_VERSION", version)
    monkeypatch.setattr(scanning, "scan", new_scan)


def test_the_detector_version_is_recorded_at_intake_and_publication(published):
    assert published.submission.detector_version == SHIPPED_VERSION
    assert published.detector_version == SHIPPED_VERSION
    created = AuditEvent.objects.get(
        action="submission.created", object_id=str(published.submission_id)
    )
    assert created.data["detector_version"] == SHIPPED_VERSION


def test_nothing_is_rescanned_while_the_detector_is_the_same(published):
    assert indicators_rescan() == []
    assert not AuditEvent.objects.filter(action="indicator.rescanned").exists()


def test_a_new_detector_rescans_published_text_onto_the_recall_list(
    published, users, client, monkeypatch
):
    assert published.redacted_payload["analyst_notes"] == NOTES
    _upgrade(monkeypatch)
    flagged = indicators_rescan()
    assert [i.pk for i in flagged] == [published.pk]
    published.refresh_from_db()
    assert published.detector_version == "test-2"
    [flag] = published.recall_flags
    assert flag["field"] == "analyst_notes" and flag["category"] == "customer"
    # The whole sentence is highlighted, not only the flagged word.
    assert NOTES[flag["start"] : flag["end"]] == "Scripted signups through one relay"
    assert indicators_rescan() == []  # idempotent: once per detector version
    assert detector_rescan_task() == 0
    recall = AuditEvent.objects.get(action="indicator.recall_flagged")
    assert recall.data["detector_version"] == "test-2"
    assert recall.data["previous_detector_version"] == SHIPPED_VERSION
    assert recall.data["flags"] == {"customer": 1}
    run = AuditEvent.objects.get(action="indicator.rescanned")
    assert run.actor_username == "system" and run.object_id == "test-2"
    assert run.data == {
        "detector_version": "test-2",
        "previous_versions": [SHIPPED_VERSION],
        "rescanned": 1,
        "flagged": 1,
    }
    client.force_login(users["counsel"])
    page = client.get(reverse("review-recalls")).content.decode()
    assert published.stix_id in page
    assert '<mark class="flag">Scripted signups through one relay</mark>' in page
    assert "Names a relay the lab serves." in page
    client.force_login(users["analyst"])
    assert client.get(reverse("review-recalls")).status_code == 403


def test_withdrawn_indicators_are_not_rescanned_and_leave_the_recall_list(
    published, users, client, monkeypatch
):
    indicator_withdraw(actor=users["counsel"], indicator=published, reason="Superseded.")
    _upgrade(monkeypatch)
    assert indicators_rescan() == []
    assert SharedIndicator.objects.get(pk=published.pk).detector_version == SHIPPED_VERSION
    client.force_login(users["counsel"])
    assert published.stix_id not in client.get(reverse("review-recalls")).content.decode()


def test_the_hourly_recall_scan_rescans_after_a_detector_upgrade(published, monkeypatch):
    assert recall_scan_task() == 0
    _upgrade(monkeypatch, version="test-4")
    assert recall_scan_task() == 1
    assert recall_scan_task() == 0
    published.refresh_from_db()
    assert published.detector_version == "test-4" and published.recall_flags


def test_a_clean_rescan_records_the_new_version_without_flagging(published, monkeypatch):
    monkeypatch.setattr(scanning, "DETECTOR_VERSION", "test-3")
    assert indicators_rescan() == []
    published.refresh_from_db()
    assert published.detector_version == "test-3" and published.recall_flags == []
    assert AuditEvent.objects.get(action="indicator.rescanned").data["flagged"] == 0
