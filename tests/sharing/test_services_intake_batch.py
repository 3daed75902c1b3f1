"""Batch intake (TAXII envelopes) leaves what `submission_create` leaves, object by object."""

from __future__ import annotations

import copy

import pytest
from django.core import mail
from django.db import DatabaseError
from django.utils import timezone

from audit.integrity import check_database
from audit.models import AuditEvent
from config.errors import ValidationFailed
from governance.models import Organization
from governance.selectors.policy import effective_rule
from sharing.core import lifecycle
from sharing.models import CorrelationToken, ReviewTask, SharedIndicator, Submission
from sharing.services import intake_batch, intake_write
from sharing.services.intake import resolve_type, submission_create, submission_plan
from sharing.services.intake_batch import IntakeItem, submission_create_many
from sharing.services.intake_write import plan_write, plans_write
from sharing.services.publication import (
    indicator_recipients,
    notify_recipients_batch,
    reader_groups,
)
from tests.governance.fixtures import baseline_rules
from tests.sharing.fixtures import ACCOUNT_CLUSTER, PRICE_SENTENCE

pytestmark = pytest.mark.django_db

CLIENT = {
    "sdk_name": "httpx",
    "sdk_version": "0.27.2",
    "header_order_signature": "a" * 64,
    "user_agent": "httpx/0.27.2",
    "timing_profile": "poisson",
    "mean_interarrival_ms": 120,
    "analyst_notes": "The client replayed prompts asking for step-by-step derivations.",
}
# An auto-published type under the baseline; with a price in the notes it needs a human.
FLAGGED_CLIENT = {**CLIENT, "analyst_notes": PRICE_SENTENCE}
BAD_CLIENT = {**CLIENT, "mean_interarrival_ms": "fast"}


def _items(account_cluster, proxy_service, tag: str) -> list[IntakeItem]:
    return [
        IntakeItem("automation-client", dict(CLIENT), f"{tag}-auto"),
        IntakeItem("automation-client", dict(FLAGGED_CLIENT), f"{tag}-flagged"),
        IntakeItem("account-cluster", dict(account_cluster), f"{tag}-review"),
        IntakeItem("proxy-service", dict(proxy_service), f"{tag}-refused"),
        IntakeItem("automation-client", dict(BAD_CLIENT), f"{tag}-bad"),
        IntakeItem("no-such-type", dict(CLIENT), f"{tag}-unknown"),
        IntakeItem("automation-client", {**CLIENT, "user_agent": "x"}, f"{tag}-auto"),
        IntakeItem("automation-client", dict(CLIENT), None),
    ]


def _one_by_one(actor, org, items):
    results = []
    for item in items:
        try:
            submission = submission_create(
                actor=actor,
                organization=org,
                indicator_type=item.indicator_type,
                payload=item.payload,
                source="taxii",
                client_reference=item.client_reference,
            )
        except ValidationFailed as error:
            results.append(("error", error.message, error.errors))
            continue
        results.append(_trace(submission))
    return results


def _events(submission: Submission) -> list[tuple]:
    ids = [str(submission.pk)]
    indicator = SharedIndicator.objects.filter(submission=submission).first()
    if indicator is not None:
        ids.append(str(indicator.pk))
    rows = AuditEvent.objects.filter(object_id__in=ids).order_by("seq")
    volatile = {"client_reference", "submission_id", "stix_id"}
    return [
        (e.action, e.actor_username, {k: v for k, v in e.data.items() if k not in volatile})
        for e in rows
    ]


def _trace(submission: Submission) -> tuple:
    submission = Submission.objects.get(pk=submission.pk)
    indicator = SharedIndicator.objects.filter(submission=submission).first()
    readers = ()
    tokens = 0
    if indicator is not None:
        readers = tuple(
            sorted(
                indicator.sharedindicatorgroupobjectpermission_set.values_list(
                    "group__organization__slug", flat=True
                )
            )
        )
        tokens = CorrelationToken.objects.filter(indicator=indicator).count()
    return (
        submission.state,
        submission.redacted_payload,
        submission.flags,
        submission.refusal_reason,
        [(t.from_state, t.to_state, t.actor_username, t.reason) for t in submission.history.all()],
        sorted(
            (t.stage, t.position, t.state, t.queue.key, t.due_at is not None)
            for t in ReviewTask.objects.filter(submission=submission)
        ),
        (indicator.tlp, indicator.audience, readers, tokens) if indicator else None,
        _events(submission),
    )


def _batch_trace(results):
    traced = []
    for result in results:
        if result.error is not None:
            traced.append(("error", result.error.message, result.error.errors))
        else:
            traced.append(_trace(result.submission))
    return traced


def _policy_without_proxy_service(approved_policy):
    rules = copy.deepcopy(baseline_rules())
    del rules["indicator_types"]["proxy-service"]
    return approved_policy(rules)


def test_batch_leaves_what_one_by_one_leaves(
    users, orgs, catalog, approved_policy, account_cluster, proxy_service
):
    _policy_without_proxy_service(approved_policy)
    analyst, acme = users["analyst"], orgs["acme"]
    single = _one_by_one(analyst, acme, _items(account_cluster, proxy_service, "one"))
    batch = submission_create_many(
        actor=analyst,
        organization=acme,
        items=_items(account_cluster, proxy_service, "many"),
        source="taxii",
    )

    assert _batch_trace(batch) == single
    states = [r.submission.state if r.submission else None for r in batch]
    assert states == [
        lifecycle.PUBLISHED, lifecycle.IN_REVIEW, lifecycle.IN_REVIEW, lifecycle.REFUSED,
        None, None, lifecycle.PUBLISHED, lifecycle.PUBLISHED,
    ]  # fmt: skip
    # The repeated client reference is the first object's submission, not a second one.
    assert batch[6].submission.pk == batch[0].submission.pk
    assert Submission.objects.filter(client_reference__startswith="many-").count() == 4
    assert check_database().size == AuditEvent.objects.count()


def _plans(actor, org, items) -> list:
    """Return the plans of `items` (all valid), as both intake paths build them."""
    plans = []
    now = timezone.now()
    for item in items:
        itype = resolve_type(item.indicator_type)
        rule, reason = effective_rule(organization=org, indicator_type=itype)
        plans.append(
            submission_plan(
                actor=actor,
                organization=org,
                itype=itype,
                payload=item.payload,
                source="taxii",
                client_reference=item.client_reference,
                rule=rule,
                reason=reason,
                now=now,
            )
        )
    return plans


def test_both_writers_leave_the_same_rows_and_events_for_the_same_plans(
    users, orgs, catalog, approved_policy, account_cluster, proxy_service
):
    _policy_without_proxy_service(approved_policy)
    analyst, acme = users["analyst"], orgs["acme"]
    valid = _items(account_cluster, proxy_service, "x")[:4]  # auto, held, review, refused

    def tagged(tag):
        return [
            IntakeItem(i.indicator_type, dict(i.payload), f"{tag}-{n}") for n, i in enumerate(valid)
        ]

    one = [plan_write(plan) for plan in _plans(analyst, acme, tagged("one"))]
    many = _plans(analyst, acme, tagged("many"))
    plans_write(many, reader_groups=lambda submission: list(reader_groups(submission)))

    assert [_trace(p.submission) for p in many] == [_trace(s) for s in one]
    assert [s.state for s in one] == [
        lifecycle.PUBLISHED, lifecycle.IN_REVIEW, lifecycle.IN_REVIEW, lifecycle.REFUSED,
    ]  # fmt: skip
    assert check_database().size == AuditEvent.objects.count()


def test_batch_holds_free_text_for_review_as_one_by_one_does(users, orgs, approved_policy):
    rules = copy.deepcopy(baseline_rules())
    rules["indicator_types"]["automation-client"]["fields"]["analyst_notes"] = "scrub"
    approved_policy(rules)
    analyst, acme = users["analyst"], orgs["acme"]
    structured = {k: v for k, v in CLIENT.items() if k != "analyst_notes"}

    def items(tag):
        return [
            IntakeItem("automation-client", dict(CLIENT), f"{tag}-notes"),
            IntakeItem("automation-client", dict(structured), f"{tag}-structured"),
        ]

    single = _one_by_one(analyst, acme, items("one"))
    batch = submission_create_many(
        actor=analyst, organization=acme, items=items("many"), source="taxii"
    )

    assert _batch_trace(batch) == single
    held, published = (r.submission for r in batch)
    assert (held.state, published.state) == (lifecycle.IN_REVIEW, lifecycle.PUBLISHED)
    assert list(held.review_tasks.values_list("stage", flat=True)) == ["origin"]
    assert held.history.get(to_state=lifecycle.IN_REVIEW).reason == (
        "held for review: indicator_types.automation-client auto-publishes, but its published "
        "form keeps free text in analyst_notes"
    )
    assert not SharedIndicator.objects.filter(submission=held).exists()


def test_a_bad_object_writes_nothing_and_the_others_go_on(users, orgs, baseline_policy):
    before = AuditEvent.objects.count()
    results = submission_create_many(
        actor=users["analyst"],
        organization=orgs["acme"],
        items=[IntakeItem("automation-client", dict(BAD_CLIENT), "bad")],
        source="taxii",
    )
    assert results[0].error is not None and results[0].submission is None
    assert not Submission.objects.exists()
    assert AuditEvent.objects.count() == before

    results = submission_create_many(
        actor=users["analyst"],
        organization=orgs["acme"],
        items=[
            IntakeItem("automation-client", {**CLIENT, "surprise": 1}, "bad"),
            IntakeItem("automation-client", dict(CLIENT), "good"),
        ],
        source="taxii",
    )
    assert results[0].error.errors == [
        {"field": "payload.surprise", "message": results[0].error.errors[0]["message"]}
    ]
    assert results[1].submission.state == lifecycle.PUBLISHED
    assert list(Submission.objects.values_list("client_reference", flat=True)) == ["good"]


def test_a_reference_taken_concurrently_falls_back_to_one_by_one(
    users, orgs, baseline_policy, monkeypatch
):
    first = submission_create(
        actor=users["analyst"],
        organization=orgs["acme"],
        indicator_type="automation-client",
        payload=dict(CLIENT),
        source="taxii",
        client_reference="taken",
    )
    # As if another request inserted "taken" between the batch's check and its insert.
    monkeypatch.setattr(intake_batch, "_taken_references", lambda organization, items: {})
    results = submission_create_many(
        actor=users["analyst"],
        organization=orgs["acme"],
        items=[
            IntakeItem("automation-client", dict(CLIENT), "fresh"),
            IntakeItem("automation-client", dict(CLIENT), "taken"),
        ],
        source="taxii",
    )
    assert results[1].submission.pk == first.pk
    assert results[0].submission.state == lifecycle.PUBLISHED
    assert Submission.objects.count() == 2
    assert check_database().size == AuditEvent.objects.count()


def test_a_batch_of_publications_sends_each_reader_one_digest_once(
    users, orgs, baseline_policy, django_capture_on_commit_callbacks
):
    items = [IntakeItem("automation-client", dict(CLIENT), f"digest-{n}") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        results = submission_create_many(
            actor=users["analyst"], organization=orgs["acme"], items=items, source="taxii"
        )
    indicators = SharedIndicator.objects.all()
    # The same readers a single publication emails (read from the object permissions).
    readers = {address for i in indicators for address in indicator_recipients(i)}
    assert users["other_analyst"].email in readers and users["analyst"].email in readers
    assert {m.to[0] for m in mail.outbox} == readers
    assert len(mail.outbox) == len(readers)
    for message in mail.outbox:
        assert "3 indicators were published" in message.body
        for result in results:
            assert SharedIndicator.objects.get(submission=result.submission).stix_id in message.body
        assert CLIENT["user_agent"] not in message.body  # no payload in an email

    ids = [str(i) for i in SharedIndicator.objects.values_list("pk", flat=True)]
    assert notify_recipients_batch(indicator_ids=ids) == 0  # claimed: never sent twice


def test_a_database_error_mid_batch_leaves_no_submission_and_no_event(
    users, orgs, baseline_policy, monkeypatch
):
    before = AuditEvent.objects.count()

    def fail(indicators):
        raise DatabaseError("simulated failure after the submissions were inserted")

    monkeypatch.setattr(intake_write, "correlation_index_published", fail)
    with pytest.raises(DatabaseError):
        submission_create_many(
            actor=users["analyst"],
            organization=orgs["acme"],
            items=[IntakeItem("automation-client", dict(CLIENT), f"fault-{n}") for n in range(3)],
            source="taxii",
        )
    assert not Submission.objects.exists()
    assert not SharedIndicator.objects.exists()
    assert AuditEvent.objects.count() == before
    assert check_database().size == before


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_digest_runs_send_each_reader_one_digest(users, orgs, baseline_policy):
    from tests.concurrency import race

    items = [IntakeItem("automation-client", dict(CLIENT), f"race-{n}") for n in range(3)]
    submission_create_many(
        actor=users["analyst"], organization=orgs["acme"], items=items, source="taxii"
    )
    mail.outbox.clear()  # whatever the commit hook sent; the outbox column is reset below
    SharedIndicator.objects.update(recipients_notified_at=None)
    ids = [str(i) for i in SharedIndicator.objects.values_list("pk", flat=True)]
    readers = {a for i in SharedIndicator.objects.all() for a in indicator_recipients(i)}

    sent, _ = race([lambda: notify_recipients_batch(indicator_ids=ids)] * 2)

    assert sorted(sent) == [0, len(readers)]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(readers)


def test_an_object_whose_stage_nobody_can_review_leaves_nothing_and_the_others_go_on(
    users, orgs, baseline_policy
):
    # Without an active secretariat there is no forum queue: account clusters (origin, forum)
    # cannot start review, automation clients (no review) still publish.
    Organization.objects.filter(slug="forum").update(is_active=False)
    results = submission_create_many(
        actor=users["analyst"],
        organization=orgs["acme"],
        items=[
            IntakeItem("account-cluster", dict(ACCOUNT_CLUSTER), "no-forum"),
            IntakeItem("automation-client", dict(CLIENT), "published"),
        ],
        source="taxii",
    )
    assert results[0].submission is None and "secretariat" in results[0].error.message
    assert results[1].submission.state == lifecycle.PUBLISHED
    assert list(Submission.objects.values_list("client_reference", flat=True)) == ["published"]
    assert not AuditEvent.objects.filter(data__client_reference="no-forum").exists()
    assert check_database().size == AuditEvent.objects.count()
