"""The sharing demo seeds realistic submissions through intake, once."""

from __future__ import annotations

import io

import pytest

from governance import demo as governance_demo
from sharing import demo
from sharing.models import Submission


@pytest.mark.django_db
def test_demo_submissions_go_through_intake_once():
    governance_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    count_after_seeding = Submission.objects.count()
    demo.seed(stdout=io.StringIO())
    assert Submission.objects.count() == count_after_seeding  # idempotent, insights included
    references = [reference for _slug, reference, _type, _payload in demo.SUBMISSIONS]
    submissions = Submission.objects.filter(client_reference__in=references)
    assert submissions.count() == len(demo.SUBMISSIONS)
    assert not submissions.filter(state="refused").exists()
    assert {s.organization.slug for s in submissions} == {"northwind", "halcyon", "meridian"}
    farm = submissions.get(client_reference="demo-northwind-farm-1")
    assert {f["category"] for f in farm.flags} == {"price"}
    assert "$12" not in str(farm.redacted_payload)
    assert submissions.filter(state="in_review").count() >= 3
    # An auto-publishing type's free text with a price in it waits for halcyon's legal reviewer.
    held = submissions.get(client_reference="demo-halcyon-client-2")
    assert held.state == "in_review" and held.review_stages == []
    task = held.review_tasks.get()
    assert (task.stage, task.queue.key) == ("origin", "origin-halcyon")
    assert held.history.get(to_state="in_review").reason.startswith(
        "held for review: indicator_types.automation-client auto-publishes, but the scanner "
        "flagged price"
    )
    clean = submissions.get(client_reference="demo-halcyon-client-1")
    assert clean.state == "published" and "analyst_notes" not in clean.redacted_payload
