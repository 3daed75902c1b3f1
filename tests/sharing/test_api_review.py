"""Review API and pages: allowed reviewer, same-org user without the role, outsider."""

from __future__ import annotations

import json
from datetime import timedelta

from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.sharing.fixtures import ACCOUNT_CLUSTER, PRICE_SENTENCE


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_review_api_lists_claims_and_decides(two_org_policy, make_submission, users):
    submission = make_submission()
    api = _api(users["legal_reviewer"])
    listed = api.get("/api/v1/review-tasks/").json()["results"]
    assert [r["submission_id"] for r in listed] == [str(submission.pk)]
    task_id = listed[0]["id"]
    assert api.post(f"/api/v1/review-tasks/{task_id}/claim/").json()["state"] == "claimed"
    assert api.get("/api/v1/review-tasks/?mine=1").json()["results"][0]["id"] == task_id
    refused = api.post(
        f"/api/v1/review-tasks/{task_id}/decide/", {"decision": "reject"}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "reason"
    looser = api.post(
        f"/api/v1/review-tasks/{task_id}/decide/",
        {"decision": "approve", "extra_redactions": {"signup_ip": "keep"}},
        format="json",
    )
    assert looser.status_code == 400 and "less strict" in looser.json()["detail"]
    decided = api.post(
        f"/api/v1/review-tasks/{task_id}/decide/",
        {"decision": "approve", "extra_redactions": {"signup_ip": "drop"}},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["state"] == "decided"
    again = api.post(f"/api/v1/review-tasks/{task_id}/claim/")
    assert again.status_code == 409


def test_review_api_refuses_same_org_non_reviewer_and_outsider(
    two_org_policy, make_submission, users
):
    make_submission()
    task_id = _api(users["legal_reviewer"]).get("/api/v1/review-tasks/").json()["results"][0]["id"]
    assert _api(users["analyst"]).get("/api/v1/review-tasks/").json()["results"] == []
    assert _api(users["analyst"]).post(f"/api/v1/review-tasks/{task_id}/claim/").status_code == 404
    assert _api(users["other_legal"]).get(f"/api/v1/review-tasks/{task_id}/").status_code == 404


def test_queue_and_review_pages(two_org_policy, make_submission, users, client):
    make_submission(payload={**ACCOUNT_CLUSTER, "analyst_notes": PRICE_SENTENCE})
    client.force_login(users["legal_reviewer"])
    page = client.get(reverse("review-queue")).content.decode()
    assert "origin-acme" in page and 'data-testid="task-row"' in page
    task_id = _api(users["legal_reviewer"]).get("/api/v1/review-tasks/").json()["results"][0]["id"]
    client.post(reverse("review-task-claim", args=[task_id]))
    page = client.get(reverse("review-task", args=[task_id])).content.decode()
    assert '<mark class="flag"' in page
    assert "indicator_types.account-cluster" in page and 'data-testid="policy-version"' in page
    assert 'name="extra_signup_ip"' in page
    assert "<script" not in page.split("</head>")[1] and "style=" not in page
    response = client.post(
        reverse("review-task-decide", args=[task_id]), {"decision": "reject", "reason": ""}
    )
    assert response.status_code == 302
    client.force_login(users["analyst"])
    assert client.get(reverse("review-queue")).status_code == 403
    client.force_login(users["other_legal"])
    assert client.get(reverse("review-task", args=[task_id])).status_code == 404


def test_review_queue_lists_overdue_first_then_by_due_time_across_pages(
    two_org_policy, make_submission, users
):
    from datetime import timedelta

    from django.utils import timezone

    from sharing.models import ReviewTask

    submissions = [make_submission() for _ in range(5)]
    now = timezone.now()
    # Two overdue (one long overdue), three due later, out of creation order.
    offsets = [timedelta(hours=5), -timedelta(hours=1), timedelta(hours=2), -timedelta(days=2),
               timedelta(hours=30)]  # fmt: skip
    for submission, offset in zip(submissions, offsets, strict=True):
        ReviewTask.objects.filter(submission=submission).update(due_at=now + offset)
    api = _api(users["legal_reviewer"])
    first = api.get("/api/v1/review-tasks/?page_size=2").json()
    seen = [r["submission_id"] for r in first["results"]]
    page = first
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [r["submission_id"] for r in page["results"]]
    expected = [submissions[i] for i in (3, 1, 2, 0, 4)]
    assert seen == [str(s.pk) for s in expected]


def test_reviewer_sees_held_free_text_with_flagged_sentences_and_prefilled_changes(
    policy, make_submission, users, client
):
    policy(review=[])  # account clusters auto-publish... unless a human must look
    notes = "Scripted signups through one relay. " + PRICE_SENTENCE
    submission = make_submission(payload={**ACCOUNT_CLUSTER, "analyst_notes": notes})
    task = submission.review_tasks.get()
    client.force_login(users["legal_reviewer"])
    queue = client.get(reverse("review-queue")).content.decode()
    assert (
        "held for review: indicator_types.account-cluster auto-publishes, but the scanner "
        "flagged price and its published form keeps free text in analyst_notes"
    ) in queue
    client.post(reverse("review-task-claim", args=[task.pk]))
    page = client.get(reverse("review-task", args=[task.pk])).content.decode()
    assert 'data-testid="hold-reason"' in page
    assert f'<mark class="flag">{PRICE_SENTENCE[:-1]}</mark>' in page
    price = next(f for f in submission.flags if f["category"] == "price")
    assert escape(price["explanation"]) in page
    prefilled = f"- analyst_notes, sentence 2 (price: {price['explanation']})"
    assert "Please remove these sentences and resubmit:" in page and escape(prefilled) in page
    response = client.post(
        reverse("review-task-decide", args=[task.pk]),
        {"decision": "request_changes", "reason": f"Please remove:\n{prefilled}"},
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == "changes_requested"
    # The reason names the sentence; it never copies it into the audit log.
    event = AuditEvent.objects.get(action="review.changes_requested")
    assert "$4" not in json.dumps(event.data) and "sentence 2" in event.data["reason"]


def test_a_submission_under_review_stages_shows_its_rule_not_a_hold(
    two_org_policy, make_submission, users, client
):
    task = make_submission().review_tasks.get(stage="origin")
    client.force_login(users["legal_reviewer"])
    assert "held for review" not in client.get(reverse("review-queue")).content.decode()
    client.post(reverse("review-task-claim", args=[task.pk]))
    page = client.get(reverse("review-task", args=[task.pk])).content.decode()
    assert 'data-testid="hold-reason"' not in page
    assert 'data-testid="request-changes-reason"></textarea>' in page  # nothing flagged


def _original_views() -> list[tuple[str, int]]:
    events = AuditEvent.objects.filter(action="submission.original_viewed").order_by("seq")
    return [(e.actor_username, e.data.get("task_id")) for e in events]


def test_reloading_a_review_task_records_one_view_per_reviewer_and_window(
    two_org_policy, make_submission, users, acme_legal2, client, monkeypatch
):
    make_submission()
    task_id = _api(users["legal_reviewer"]).get("/api/v1/review-tasks/").json()["results"][0]["id"]
    url = reverse("review-task", args=[task_id])
    client.force_login(users["legal_reviewer"])
    for _ in range(3):
        assert client.get(url).status_code == 200
    assert _original_views() == [("acme-legal", task_id)]
    client.force_login(acme_legal2)
    client.get(url)
    assert _original_views() == [("acme-legal", task_id), ("acme-legal2", task_id)]
    # After the window the same reviewer's view is a distinct view again.
    from django.utils import timezone

    from sharing.core import lifecycle

    later = timezone.now() + lifecycle.ORIGINAL_VIEW_WINDOW + timedelta(minutes=1)
    monkeypatch.setattr("sharing.services.review.timezone.now", lambda: later)
    client.get(url)
    assert len(_original_views()) == 3


def test_review_form_preselects_no_decision(two_org_policy, make_submission, users, client):
    make_submission()
    task_id = _api(users["legal_reviewer"]).get("/api/v1/review-tasks/").json()["results"][0]["id"]
    client.force_login(users["legal_reviewer"])
    client.post(reverse("review-task-claim", args=[task_id]))
    page = client.get(reverse("review-task", args=[task_id])).content.decode()
    assert 'name="decision"' in page and "checked" not in page
    response = client.post(reverse("review-task-decide", args=[task_id]), {"reason": ""})
    assert response.status_code in (200, 302)
    task = _api(users["legal_reviewer"]).get(f"/api/v1/review-tasks/{task_id}/").json()
    assert task["decision"] in ("", None)


def test_dashboard_inbox_lists_the_reviewers_tasks_by_due_date(
    two_org_policy, make_submission, users, client
):
    make_submission()
    make_submission()
    tasks = _api(users["legal_reviewer"]).get("/api/v1/review-tasks/").json()["results"]
    client.force_login(users["legal_reviewer"])
    inbox = client.get(reverse("dashboard")).content.decode().split('data-testid="inbox"')[1]
    inbox = inbox.split("</section>")[0]
    positions = [inbox.index(reverse("review-task", args=[t["id"]])) for t in tasks]
    assert positions == sorted(positions) and inbox.count('data-testid="inbox-item"') == 2
    assert "Account cluster from Acme AI" in inbox
    client.force_login(users["other_legal"])
    inbox = client.get(reverse("dashboard")).content.decode().split('data-testid="inbox"')[1]
    assert "review/tasks" not in inbox.split("</section>")[0]


def test_claim_next_api_claims_then_answers_204_and_refuses_non_reviewers(
    two_org_policy, make_submission, users
):
    submission = make_submission()
    api = _api(users["legal_reviewer"])
    claimed = api.post("/api/v1/review-tasks/claim-next/", {"queue": "origin-acme"}, format="json")
    assert claimed.status_code == 200
    body = claimed.json()
    assert body["submission_id"] == str(submission.pk)
    assert body["state"] == "claimed" and body["assignee"] == "acme-legal"
    assert api.post("/api/v1/review-tasks/claim-next/").status_code == 204
    unknown = api.post("/api/v1/review-tasks/claim-next/", {"queue": "origin-globex"})
    assert unknown.status_code == 404
    assert _api(users["analyst"]).post("/api/v1/review-tasks/claim-next/").status_code == 403
    assert AuditEvent.objects.filter(action="review.task_claimed").count() == 1


def test_claim_next_button_opens_the_claimed_task(two_org_policy, make_submission, users, client):
    submission = make_submission()
    client.force_login(users["legal_reviewer"])
    page = client.get(reverse("review-queue")).content.decode()
    assert 'data-testid="claim-next"' in page and reverse("review-claim-next") in page
    task = submission.review_tasks.get(stage="origin")
    response = client.post(reverse("review-claim-next"), {"queue": "origin-acme"})
    assert response.status_code == 302 and response.url == reverse("review-task", args=[task.pk])
    task.refresh_from_db()
    assert task.state == "claimed" and task.assignee == users["legal_reviewer"]
    again = client.post(reverse("review-claim-next"), follow=True).content.decode()
    assert "No open task is left that you may review." in again
