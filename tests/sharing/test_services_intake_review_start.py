"""Starting review: tasks per stage in order, queues on demand, auto-publication."""

from __future__ import annotations

from audit.models import AuditEvent
from sharing.core import lifecycle
from sharing.models import ReviewQueue, SharedIndicator, TaskState
from sharing.services.review import hold_reason
from tests.sharing.fixtures import ACCOUNT_CLUSTER, PRICE_SENTENCE


def test_review_start_opens_first_stage_and_waits_the_rest(two_org_policy, make_submission):
    submission = make_submission()
    assert submission.state == lifecycle.IN_REVIEW
    tasks = list(submission.review_tasks.order_by("position"))
    assert [(t.stage, t.state) for t in tasks] == [
        ("origin", TaskState.OPEN),
        ("forum", TaskState.WAITING),
    ]
    assert tasks[0].queue.key == "origin-acme"
    assert tasks[0].due_at is not None and tasks[1].due_at is None
    assert tasks[1].queue.key == "forum"
    assert set(ReviewQueue.objects.values_list("key", flat=True)) == {"origin-acme", "forum"}
    assert submission.history.filter(to_state=lifecycle.IN_REVIEW).count() == 1
    assert AuditEvent.objects.filter(
        action="submission.in_review", object_id=str(submission.pk)
    ).exists()


def test_empty_review_without_flags_or_free_text_auto_publishes_citing_rule(
    policy, make_submission
):
    policy(review=[], audience=["acme", "globex"])
    structured = {k: v for k, v in ACCOUNT_CLUSTER.items() if k != "analyst_notes"}
    submission = make_submission(payload=structured)
    assert submission.state == lifecycle.PUBLISHED
    assert not submission.review_tasks.exists()
    indicator = SharedIndicator.objects.get(submission=submission)
    assert indicator.redacted_payload == submission.redacted_payload
    approved = AuditEvent.objects.get(action="submission.approved", object_id=str(submission.pk))
    assert approved.actor_username == "system"
    assert approved.data["rule_path"] == "indicator_types.account-cluster"
    assert approved.data["policy_version"] == submission.policy_version.number
    published = AuditEvent.objects.get(action="indicator.published")
    assert published.actor_username == "system"


def test_empty_review_with_free_text_is_held_for_origin_review_with_the_reason(
    policy, make_submission
):
    policy(review=[])
    submission = make_submission()  # clean notes, kept (scrubbed) by the rule
    assert not submission.flags
    assert submission.state == lifecycle.IN_REVIEW
    assert list(submission.review_tasks.values_list("stage", "state")) == [
        ("origin", TaskState.OPEN)
    ]
    assert not SharedIndicator.objects.exists()
    reason = (
        "held for review: indicator_types.account-cluster auto-publishes, but its published "
        "form keeps free text in analyst_notes"
    )
    assert submission.history.get(to_state=lifecycle.IN_REVIEW).reason == reason
    event = AuditEvent.objects.get(action="submission.in_review", object_id=str(submission.pk))
    assert event.data["held"] == reason and event.data["stages"] == ["origin"]


def test_an_ip_in_held_free_text_gets_the_ip_fields_generalisation(policy, make_submission):
    policy(review=[], audience=["acme", "globex"])
    submission = make_submission(payload={**ACCOUNT_CLUSTER, "analyst_notes": "See 203.0.113.9"})
    assert submission.state == lifecycle.IN_REVIEW
    assert submission.redacted_payload["analyst_notes"] == "See 203.0.113.0/24"


def test_empty_review_with_flags_goes_to_origin_review(policy, make_submission):
    policy(review=[])
    submission = make_submission(payload={**ACCOUNT_CLUSTER, "analyst_notes": PRICE_SENTENCE})
    assert submission.flags
    assert submission.state == lifecycle.IN_REVIEW
    assert list(submission.review_tasks.values_list("stage", "state")) == [
        ("origin", TaskState.OPEN)
    ]
    assert not SharedIndicator.objects.exists()


def test_a_sentence_in_a_string_field_of_an_auto_publishing_type_is_held() -> None:
    fields = [{"name": "sdk_name", "datatype": "string"}]
    kwargs = {"rule_path": "indicator_types.automation-client", "review_stages": [], "flags": []}
    assert hold_reason(**kwargs, redacted_payload={"sdk_name": "httpx 0.27"}, fields=fields) == ""
    reason = hold_reason(
        **kwargs,
        redacted_payload={"sdk_name": "our list rises by a fifth in spring"},
        fields=fields,
    )
    assert reason.endswith("keeps free text in sdk_name")
