"""Intake: validation before any write, refusal by policy, scanning, redaction and idempotency."""

from __future__ import annotations

import copy
import json
import threading

import pytest
from django.db import connection

from audit.actors import SYSTEM
from audit.models import AuditEvent
from config.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from governance.core import indicator_schema
from governance.core.canonical import canonical_sha256
from governance.services.catalog import indicator_types_sync
from sharing.core import lifecycle
from sharing.models import ReviewTask, Submission, SubmissionTransition
from sharing.services.intake import (
    MAX_STRING_LENGTH,
    submission_create,
    submission_preview,
    submission_resubmit,
    submission_withdraw,
)
from sharing.services.watchlist import watchlist_term_add
from tests.governance.fixtures import baseline_rules
from tests.sharing.fixtures import PRICE_SENTENCE, PROXY_SERVICE


def counts() -> tuple[int, int, int]:
    return Submission.objects.count(), AuditEvent.objects.count(), ReviewTask.objects.count()


def create(actor, org, payload, *, type_key="proxy-service", ref=None, source="api"):
    return submission_create(
        actor=actor,
        organization=org,
        indicator_type=type_key,
        payload=payload,
        source=source,
        client_reference=ref,
    )


def events_of(submission: Submission) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_id=str(submission.pk)).order_by("seq"))


@pytest.mark.django_db
class TestAccepted:
    def test_submission_is_redacted_recorded_and_put_in_review(
        self, users, orgs, baseline_policy, account_cluster
    ):
        submission = create(
            users["analyst"], orgs["acme"], account_cluster, type_key="account-cluster"
        )
        assert submission.state == lifecycle.IN_REVIEW
        assert submission.payload == account_cluster
        assert submission.payload_sha256 == canonical_sha256(account_cluster)
        assert submission.redacted_sha256 == canonical_sha256(submission.redacted_payload)
        redacted = submission.redacted_payload
        assert redacted["signup_ip"] == "203.0.113.0/24"
        assert all(e.startswith("oprf:") for e in redacted["emails"])
        assert submission.policy_version == baseline_policy
        assert submission.policy_content_hash == baseline_policy.content_hash
        assert submission.rule_path == "indicator_types.account-cluster"
        assert submission.tlp == "AMBER+STRICT" and submission.pap == "GREEN"
        assert submission.audience == ["globex", "initech"]
        assert submission.anonymize_contributor is True
        assert submission.retention_days == 180
        assert submission.review_stages == ["origin", "forum"]
        assert {e.action for e in events_of(submission)} == {
            "submission.created",
            "submission.in_review",
        }
        history = [(t.from_state, t.to_state) for t in submission.history.all()]
        assert history == [("", "submitted"), ("submitted", "in_review")]
        # The public transparency report counts redactions by kind of action, from this event:
        # kinds and counts of fields only, never a field's name or value.
        created = next(e for e in events_of(submission) if e.action == "submission.created")
        changed = {e["action"].split(":")[0] for e in submission.redaction_report} - {"keep"}
        assert set(created.data["redactions"]) == changed
        assert {"generalize", "pseudonymize"} <= changed
        assert all(isinstance(n, int) and n > 0 for n in created.data["redactions"].values())

    def test_price_sentence_is_scrubbed_and_never_reaches_the_audit_log(
        self, users, orgs, baseline_policy
    ):
        notes = f"Farm traffic came through KeyBazaar. {PRICE_SENTENCE}"
        payload = {**PROXY_SERVICE, "analyst_notes": notes}
        submission = create(users["analyst"], orgs["acme"], payload)
        redacted_notes = submission.redacted_payload["analyst_notes"]
        assert "[removed under policy]" in redacted_notes
        assert PRICE_SENTENCE not in redacted_notes and "$4" not in redacted_notes
        assert any(
            f["category"] == "price" and f["field"] == "analyst_notes" for f in submission.flags
        )
        flag = next(f for f in submission.flags if f["category"] == "price")
        assert "$4" in notes[flag["start"] : flag["end"]]
        leaves = [bytes(e.leaf).decode() for e in events_of(submission)]
        assert leaves
        for leaf in leaves:
            for value in payload.values():
                assert json.dumps(value)[1:-1] not in leaf
            assert "$4" not in leaf

    def test_audience_secretariat_only_is_empty(self, users, orgs, approved_policy, catalog):
        rules = baseline_rules()
        rules["indicator_types"]["proxy-service"]["audience"] = "secretariat_only"
        approved_policy(rules)
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        assert submission.audience == []

    def test_explicit_audience_is_kept(self, users, orgs, approved_policy, catalog):
        rules = baseline_rules()
        rules["indicator_types"]["proxy-service"]["audience"] = ["globex"]
        approved_policy(rules)
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        assert submission.audience == ["globex"]

    def test_watchlist_term_is_flagged_and_scrubbed(self, users, orgs, baseline_policy):
        watchlist_term_add(
            actor=users["member_admin"],
            organization=orgs["acme"],
            term="Project Bluebird",
            category="roadmap",
        )
        payload = {**PROXY_SERVICE, "analyst_notes": "Seen probing project bluebird endpoints."}
        submission = create(users["analyst"], orgs["acme"], payload)
        assert "[removed under policy]" in submission.redacted_payload["analyst_notes"]
        assert "bluebird" not in json.dumps(submission.redacted_payload).lower()
        assert [f["category"] for f in submission.flags] == ["roadmap"]

    def test_other_orgs_watchlist_does_not_apply(self, users, orgs, baseline_policy):
        watchlist_term_add(
            actor=users["other_admin"],
            organization=orgs["globex"],
            term="Bluebird",
            category="roadmap",
        )
        payload = {**PROXY_SERVICE, "analyst_notes": "Seen probing bluebird endpoints."}
        submission = create(users["analyst"], orgs["acme"], payload)
        assert submission.flags == []

    def test_member_admin_may_submit(self, users, orgs, baseline_policy):
        submission = create(users["member_admin"], orgs["acme"], dict(PROXY_SERVICE))
        assert submission.submitted_by == users["member_admin"]


@pytest.mark.django_db
class TestRefusals:
    def test_legal_reviewer_may_not_submit_and_nothing_is_written(
        self, users, orgs, baseline_policy
    ):
        before = counts()
        with pytest.raises(AccessDenied):
            create(users["legal_reviewer"], orgs["acme"], dict(PROXY_SERVICE))
        assert counts() == before

    def test_analyst_may_not_submit_for_another_org(self, users, orgs, baseline_policy):
        before = counts()
        with pytest.raises(AccessDenied):
            create(users["analyst"], orgs["globex"], dict(PROXY_SERVICE))
        assert counts() == before

    def test_unknown_type_is_400_and_nothing_is_written(self, users, orgs, baseline_policy):
        before = counts()
        with pytest.raises(ValidationFailed) as raised:
            create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE), type_key="no-such-type")
        assert raised.value.errors[0]["field"] == "indicator_type"
        assert counts() == before

    def test_bad_payload_is_400_with_field_paths_and_nothing_is_written(
        self, users, orgs, baseline_policy
    ):
        before = counts()
        payload = {
            "domain": "not a domain",
            "asn": "ASX",
            "service_model": "vending-machine",
            "surprise": 1,
        }
        with pytest.raises(ValidationFailed) as raised:
            create(users["analyst"], orgs["acme"], payload, ref="bad-1")
        fields = {e["field"] for e in raised.value.errors}
        assert {
            "payload.service_name",
            "payload.domain",
            "payload.asn",
            "payload.service_model",
            "payload.surprise",
        } <= fields
        assert counts() == before

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            (
                {**PROXY_SERVICE, "analyst_notes": "x" * (MAX_STRING_LENGTH + 1)},
                "payload.analyst_notes",
            ),
            (
                {
                    **PROXY_SERVICE,
                    "analyst_notes": "y" * 9000,
                    "relay_software": "z" * 9000,
                    "service_name": "w" * 9000,
                    "operator_contact": "v" * 9000,
                    "domain": "u" * 9000,
                    "asn": "t" * 9000,
                    "first_seen": "s" * 9000,
                    "service_model": "r" * 9000,
                },
                "payload",
            ),
            ({**PROXY_SERVICE, "deep": [[[[["too deep"]]]]]}, "payload.deep[0][0][0][0]"),
        ],
        ids=["string", "size", "depth"],
    )
    def test_over_limits_is_400_and_nothing_is_written(
        self, users, orgs, baseline_policy, payload, field
    ):
        before = counts()
        with pytest.raises(ValidationFailed) as raised:
            create(users["analyst"], orgs["acme"], payload)
        assert raised.value.errors[0]["field"] == field
        assert counts() == before

    def test_type_not_allowed_by_policy_is_refused_with_only_its_audit_event(
        self, users, orgs, approved_policy, catalog
    ):
        rules = baseline_rules()
        del rules["indicator_types"]["proxy-service"]
        approved_policy(rules)
        before_subs, before_events, _ = counts()
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        assert submission.state == lifecycle.REFUSED
        assert "does not allow sharing proxy-service" in submission.refusal_reason
        assert submission.redacted_payload == {} and submission.flags == []
        assert Submission.objects.count() == before_subs + 1
        new_events = list(AuditEvent.objects.filter(seq__gte=before_events))
        assert [e.action for e in new_events] == ["submission.refused"]
        assert new_events[0].data["reason"] == submission.refusal_reason
        assert ReviewTask.objects.count() == 0

    def test_no_policy_in_force_is_refused(self, users, orgs, catalog):
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        assert submission.state == lifecycle.REFUSED
        assert submission.refusal_reason == "no policy version is in force"

    def test_schema_drift_is_refused(self, users, orgs, baseline_policy):
        entries = indicator_schema.load_catalog()
        proxy = next(e for e in entries if e["key"] == "proxy-service")
        proxy["fields"].append(
            {
                "name": "telegram_handle",
                "label": "Telegram handle",
                "datatype": "string",
                "max_length": 64,
                "sensitivity": "technical",
                "required": False,
                "many": False,
            }
        )
        indicator_types_sync(actor=SYSTEM, catalog=entries)
        before_subs, before_events, _ = counts()
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        assert submission.state == lifecycle.REFUSED
        assert "schema changed" in submission.refusal_reason
        assert submission.schema_version == 2
        assert Submission.objects.count() == before_subs + 1
        assert list(
            AuditEvent.objects.filter(seq__gte=before_events).values_list("action", flat=True)
        ) == ["submission.refused"]

    def test_override_withdrawing_the_type_refuses(self, users, orgs, baseline_policy):
        from governance.services.policy import org_override_set

        org_override_set(
            actor=users["member_admin"],
            organization=orgs["acme"],
            rules={"proxy-service": {"share": False}},
        )
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        assert submission.state == lifecycle.REFUSED
        assert "override" in submission.refusal_reason


@pytest.mark.django_db
class TestIdempotency:
    def test_same_client_reference_returns_the_existing_submission(
        self, users, orgs, baseline_policy
    ):
        first = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE), ref="case-17")
        before = counts()
        again = create(users["member_admin"], orgs["acme"], dict(PROXY_SERVICE), ref="case-17")
        assert again.pk == first.pk
        assert counts() == before

    def test_same_reference_in_another_org_is_a_new_submission(self, users, orgs, baseline_policy):
        first = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE), ref="case-17")
        other = create(users["other_analyst"], orgs["globex"], dict(PROXY_SERVICE), ref="case-17")
        assert other.pk != first.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_with_one_client_reference_make_one(users, orgs, baseline_policy):
    results: list = []
    errors: list = []
    barrier = threading.Barrier(4)

    def submit():
        try:
            barrier.wait()
            results.append(
                create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE), ref="race-1").pk
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 4
    assert Submission.objects.filter(client_reference="race-1").count() == 1
    assert AuditEvent.objects.filter(action="submission.created").count() == 1


@pytest.mark.django_db
class TestPreview:
    def test_preview_shows_the_redacted_form_and_writes_nothing(self, users, orgs, baseline_policy):
        before = counts()
        payload = {**PROXY_SERVICE, "analyst_notes": PRICE_SENTENCE}
        preview = submission_preview(
            actor=users["analyst"],
            organization=orgs["acme"],
            indicator_type="proxy-service",
            payload=payload,
        )
        assert counts() == before
        assert preview["refused"] is False
        assert "[removed under policy]" in preview["redacted_payload"]["analyst_notes"]
        assert preview["audience"] == ["globex", "initech"]
        assert preview["tlp"] == "AMBER"
        assert preview["flags"][0]["category"] == "price"
        assert preview["recipients"][0]["contributor_shown_as"] == "anonymous member"

    def test_preview_tells_the_analyst_that_free_text_will_be_reviewed(
        self, users, orgs, approved_policy
    ):
        rules = baseline_rules()
        rules["indicator_types"]["automation-client"]["fields"]["analyst_notes"] = "scrub"
        approved_policy(rules)
        client = {
            "sdk_name": "httpx",
            "header_order_signature": "a" * 64,
            "analyst_notes": "Replays prompts.",
        }
        preview = submission_preview(
            actor=users["analyst"],
            organization=orgs["acme"],
            indicator_type="automation-client",
            payload=client,
        )
        assert preview["review_stages"] == ["origin"]
        assert preview["held_for_review"].endswith("keeps free text in analyst_notes")
        del client["analyst_notes"]
        structured = submission_preview(
            actor=users["analyst"],
            organization=orgs["acme"],
            indicator_type="automation-client",
            payload=client,
        )
        assert structured["review_stages"] == [] and structured["held_for_review"] == ""

    def test_preview_tells_the_refusal_reason(self, users, orgs, catalog):
        preview = submission_preview(
            actor=users["analyst"],
            organization=orgs["acme"],
            indicator_type="proxy-service",
            payload=dict(PROXY_SERVICE),
        )
        assert preview["refused"] is True
        assert preview["refusal_reason"] == "no policy version is in force"

    def test_preview_of_bad_payload_is_400(self, users, orgs, baseline_policy):
        with pytest.raises(ValidationFailed):
            submission_preview(
                actor=users["analyst"],
                organization=orgs["acme"],
                indicator_type="proxy-service",
                payload={"domain": "keybazaar.example"},
            )


@pytest.mark.django_db
class TestWithdrawAndResubmit:
    def test_submitter_org_withdraws_and_tasks_are_cancelled(self, users, orgs, baseline_policy):
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        withdrawn = submission_withdraw(
            actor=users["member_admin"], submission=submission, reason="Sent by mistake."
        )
        assert withdrawn.state == lifecycle.WITHDRAWN
        assert not ReviewTask.objects.filter(
            submission=submission, state__in=["open", "waiting"]
        ).exists()
        last = SubmissionTransition.objects.filter(submission=submission).last()
        assert (last.to_state, last.reason) == ("withdrawn", "Sent by mistake.")
        assert events_of(submission)[-1].action == "submission.withdrawn"

    def test_other_org_gets_not_found(self, users, orgs, baseline_policy):
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        with pytest.raises(NotFound):
            submission_withdraw(actor=users["other_analyst"], submission=submission, reason="x")

    def test_legal_reviewer_of_same_org_may_not_withdraw(self, users, orgs, baseline_policy):
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        with pytest.raises(AccessDenied):
            submission_withdraw(actor=users["legal_reviewer"], submission=submission, reason="x")

    def test_withdrawing_twice_is_a_conflict(self, users, orgs, baseline_policy):
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        submission_withdraw(actor=users["analyst"], submission=submission, reason="Mistake.")
        with pytest.raises(Conflict):
            submission_withdraw(actor=users["analyst"], submission=submission, reason="Again.")

    def test_withdraw_needs_a_reason(self, users, orgs, baseline_policy):
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        with pytest.raises(ValidationFailed):
            submission_withdraw(actor=users["analyst"], submission=submission, reason=" ")

    def test_resubmit_after_changes_requested_rescans_and_bumps_the_round(
        self, users, orgs, baseline_policy
    ):
        from sharing.services.publication import record_transition

        submission = create(
            users["analyst"], orgs["acme"], {**PROXY_SERVICE, "analyst_notes": PRICE_SENTENCE}
        )
        locked = Submission.objects.get(pk=submission.pk)
        record_transition(
            submission=locked, target=lifecycle.CHANGES_REQUESTED, actor=users["legal_reviewer"]
        )
        clean = copy.deepcopy(PROXY_SERVICE)
        again = submission_resubmit(actor=users["analyst"], submission=submission, payload=clean)
        assert again.state == lifecycle.IN_REVIEW
        assert again.review_round == 2
        assert again.flags == []
        assert again.payload_sha256 == canonical_sha256(clean)
        assert "submission.resubmitted" in [e.action for e in events_of(again)]

    def test_resubmit_outside_changes_requested_is_a_conflict(self, users, orgs, baseline_policy):
        submission = create(users["analyst"], orgs["acme"], dict(PROXY_SERVICE))
        with pytest.raises(Conflict):
            submission_resubmit(
                actor=users["analyst"], submission=submission, payload=dict(PROXY_SERVICE)
            )
