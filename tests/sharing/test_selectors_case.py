"""One case timeline for counsel and regulators: the submission, its review rounds, decisions,
publication, withdrawal and holds on one page; repeated views of the original grouped there
while the log keeps every one; reachable from every object of the case."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse

from audit import actions
from audit.models import AuditEvent
from config.errors import AccessDenied
from sharing.core import lifecycle
from sharing.core.timeline import group_repeated_views
from sharing.selectors.case import case_get
from sharing.selectors.submissions import submission_original_view
from sharing.services.lifecycle_jobs import indicator_withdraw, legal_hold_place
from tests.sharing.fixtures import acknowledge_all


def _event(action, who, seq):
    return SimpleNamespace(action=action, actor_username=who, seq=seq, recorded_at=seq)


def test_only_consecutive_views_by_one_user_are_grouped():
    viewed = actions.SUBMISSION_ORIGINAL_VIEWED
    events = [
        _event(viewed, "ann", 1),
        _event(viewed, "ann", 2),
        _event(viewed, "bob", 3),
        _event("review.approved", "bob", 4),
        _event(viewed, "ann", 5),
        _event(viewed, "ann", 6),
        _event(viewed, "ann", 7),
    ]
    entries = group_repeated_views(events)
    assert [e.count for e in entries] == [2, 1, 1, 3]
    assert (entries[3].since, entries[3].until) == (5, 7)
    assert sum(e.count for e in entries) == len(events)


@pytest.mark.parametrize("who", ["counsel", "regulator"])
def test_oversight_reads_the_whole_case_without_the_original(
    published, users, client, who, monkeypatch
):
    submission = published.submission
    # Views a reload window apart are each logged; the timeline groups them into one line.
    monkeypatch.setattr(lifecycle, "ORIGINAL_VIEW_WINDOW", timedelta(0))
    for _ in range(3):
        submission_original_view(actor=users["analyst"], id=submission.pk)
    legal_hold_place(actor=users["counsel"], submission=submission, reason="Litigation hold.")
    indicator_withdraw(actor=users["counsel"], indicator=published, reason="Superseded.")
    case = case_get(actor=users[who], submission_id=submission.pk)
    assert [t.stage for t in case.tasks] == ["origin", "forum"]
    actions_seen = {e.first.action for e in case.entries}
    assert {
        actions.SUBMISSION_CREATED,
        actions.REVIEW_APPROVED,
        actions.INDICATOR_PUBLISHED,
        actions.INDICATOR_WITHDRAWN,
        actions.LEGAL_HOLD_PLACED,
    } <= actions_seen
    client.force_login(users[who])
    html = client.get(reverse("case-timeline", args=[submission.pk])).content.decode()
    assert "acme-analyst viewed the original 3 times between" in html
    assert "203.0.113.77" not in html and "bot1@mailinator.example" not in html
    assert 'data-testid="case-legal-hold">on<' in html
    # The log keeps every view.
    views = AuditEvent.objects.filter(
        action=actions.SUBMISSION_ORIGINAL_VIEWED, object_id=str(submission.pk)
    )
    assert views.count() >= 3


@pytest.mark.parametrize("who", ["analyst", "legal_reviewer", "member_admin", "third_analyst"])
def test_case_is_refused_to_members_even_of_the_submitting_org(published, users, client, who):
    with pytest.raises(AccessDenied):
        case_get(actor=users[who], submission_id=published.submission_id)
    client.force_login(users[who])
    assert client.get(reverse("case-timeline", args=[published.submission_id])).status_code == 403


def test_every_object_of_the_case_leads_to_it(published, users, client):
    client.force_login(users["regulator"])
    target = reverse("case-timeline", args=[published.submission_id])
    task = published.submission.review_tasks.first()
    for object_type, object_id in (
        ("sharing.submission", published.submission_id),
        ("sharing.reviewtask", task.pk),
        ("sharing.sharedindicator", published.pk),
    ):
        response = client.get(reverse("case-for-object", args=[object_type, object_id]))
        assert response.status_code == 200
        assert response.context["case"].submission.pk == published.submission_id
    assert (
        client.get(reverse("case-for-object", args=["sharing.reviewtask", "x"])).status_code == 404
    )
    assert client.get(reverse("case-for-object", args=["governance.user", "1"])).status_code == 404
    timeline = client.get(
        reverse("audit:timeline", args=["sharing.reviewtask", task.pk])
    ).content.decode()
    assert reverse("case-for-object", args=["sharing.reviewtask", task.pk]) in timeline
    events = client.get(reverse("audit:events")).content.decode()
    assert (
        reverse("case-for-object", args=["sharing.submission", published.submission_id]) in events
    )
    for who, linked in (("counsel", True), ("other_analyst", False)):
        acknowledge_all(users[who], published)
        client.force_login(users[who])
        detail = client.get(reverse("indicator-detail", args=[published.pk])).content.decode()
        assert (target in detail) is linked


def test_audit_filters_offer_display_names(published, users, client):
    client.force_login(users["regulator"])
    html = client.get(reverse("audit:events"), {"organization": "acme"}).content.decode()
    assert '<option value="acme" selected>Acme AI</option>' in html
    assert "acme-analyst" in html
    response = client.get(reverse("audit:events"), {"actor": "acme-analyst"})
    assert response.context["events"]
    assert all(e.actor_username == "acme-analyst" for e in response.context["events"])
