"""Notifications are sent once, and a broker outage delays them instead of losing them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from sharing.core import lifecycle
from sharing.models import SharedIndicator, Submission
from sharing.services.publication import (
    notifications_catch_up,
    notify_recipients,
    notify_submitter,
)
from tests.sharing.fixtures import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_while_broker_down(
    two_org_policy, make_submission, users, django_capture_on_commit_callbacks
):
    # Capturing without executing the on-commit callbacks is what a down broker amounts to:
    # the enqueue never happens.
    with django_capture_on_commit_callbacks(execute=False):
        indicator = publish(make_submission(), users)
    mail.outbox.clear()
    return indicator


def test_catch_up_sends_what_the_outage_left_unsent_exactly_once(published_while_broker_down):
    indicator = published_while_broker_down
    later = timezone.now() + timedelta(minutes=5)
    assert notifications_catch_up(at=later) > 0
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert any(a.startswith("globex-") for a in recipients)  # in the audience
    assert not any(a.startswith("initech-") for a in recipients)  # outside it
    assert any(
        m.subject.endswith("Submission published") for m in mail.outbox
    )  # the submitter hears of the decision too
    indicator.refresh_from_db()
    assert indicator.recipients_notified_at is not None
    sent = len(mail.outbox)
    assert notifications_catch_up(at=later) == 0
    assert len(mail.outbox) == sent


def test_catch_up_waits_for_the_grace_period(published_while_broker_down):
    assert notifications_catch_up(at=timezone.now()) == 0
    assert mail.outbox == []


def test_a_retried_notification_task_sends_nothing_twice(published_while_broker_down):
    indicator = published_while_broker_down
    first = notify_recipients(indicator_id=str(indicator.pk))
    assert first > 0
    assert notify_recipients(indicator_id=str(indicator.pk)) == 0
    submission = Submission.objects.get(pk=indicator.submission_id)
    assert notify_submitter(submission_id=str(submission.pk), state=lifecycle.PUBLISHED) == 1
    assert notify_submitter(submission_id=str(submission.pk), state=lifecycle.PUBLISHED) == 0


def test_a_failed_send_is_retried_by_the_catch_up(published_while_broker_down, monkeypatch):
    indicator = published_while_broker_down

    def broken(*args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("sharing.services.publication.send_mass_mail", broken)
    with pytest.raises(ConnectionError):
        notify_recipients(indicator_id=str(indicator.pk))
    assert SharedIndicator.objects.get(pk=indicator.pk).recipients_notified_at is None
    monkeypatch.undo()
    assert notifications_catch_up(at=timezone.now() + timedelta(minutes=5)) > 0


def test_reviewers_get_a_link_to_each_task_that_opens_for_them(
    two_org_policy, make_submission, users, settings, django_capture_on_commit_callbacks
):
    settings.CLEARROOM_BASE_URL = "https://clearroom.example/"
    with django_capture_on_commit_callbacks(execute=True):
        submission = make_submission()
    origin = submission.review_tasks.get(stage="origin")
    origin_mail = [m for m in mail.outbox if "Review task" in m.subject]
    assert [m.to for m in origin_mail] == [[users["legal_reviewer"].email]]
    assert f"https://clearroom.example/review/tasks/{origin.pk}/" in origin_mail[0].body
    assert "Acme AI" in origin_mail[0].body and "analyst_notes" not in origin_mail[0].body
    mail.outbox.clear()
    from sharing.models import Decision
    from sharing.services.review import review_task_claim, review_task_decide

    with django_capture_on_commit_callbacks(execute=True):
        review_task_claim(actor=users["legal_reviewer"], task=origin)
        review_task_decide(actor=users["legal_reviewer"], task=origin, decision=Decision.APPROVE)
    forum = submission.review_tasks.get(stage="forum")
    to = sorted(a for m in mail.outbox if "Review task" in m.subject for a in m.to)
    assert to == sorted([users["counsel"].email, users["counsel2"].email])
    assert all(f"/review/tasks/{forum.pk}/" in m.body for m in mail.outbox)


def test_publication_mail_links_to_the_indicator_with_the_right_article(
    two_org_policy, make_submission, users, settings, django_capture_on_commit_callbacks
):
    settings.CLEARROOM_BASE_URL = "https://clearroom.example"
    with django_capture_on_commit_callbacks(execute=True):
        indicator = publish(make_submission(), users)
    published = [m for m in mail.outbox if m.subject.endswith("indicator")]
    assert published
    for message in published:
        assert message.body.startswith("An Account cluster indicator")
        assert f"https://clearroom.example/indicators/{indicator.pk}/" in message.body
    decided = [m for m in mail.outbox if "] Submission " in m.subject]
    assert decided, [m.subject for m in mail.outbox]
    assert f"https://clearroom.example/submissions/{indicator.submission_id}/" in decided[0].body
