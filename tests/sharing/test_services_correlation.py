"""Correlation services and selectors: the minimum N, full linkage for oversight, key rotation."""

from __future__ import annotations

import time

import pytest

from audit.models import AuditEvent
from sharing.models import CorrelationToken, PseudonymMapping, Submission
from sharing.selectors.insights import campaign_list, correlated_indicator_list, seen_by_counts
from sharing.services.correlation import (
    correlation_reindex,
    correlation_rekey,
)
from tests.sharing.fixtures_correlation import publish_from


class TestMinimumMembers:
    def test_one_member_sees_no_count(self, users, orgs, publish):
        mine = publish_from(users, orgs, publish, "acme")
        assert seen_by_counts(actor=users["analyst"], indicators=[mine]) == {}
        assert seen_by_counts(actor=users["counsel"], indicators=[mine]) == {}
        assert campaign_list(actor=users["counsel"]) == []

    def test_two_members_stay_hidden_from_members(self, users, orgs, publish):
        mine = publish_from(users, orgs, publish, "acme")
        theirs = publish_from(users, orgs, publish, "globex")
        both = [mine, theirs]
        assert seen_by_counts(actor=users["analyst"], indicators=both) == {}
        assert seen_by_counts(actor=users["other_analyst"], indicators=both) == {}
        # Initech saw nothing itself; two others behind the count are enough for it.
        third = seen_by_counts(actor=users["third_analyst"], indicators=both)
        assert {s.count for s in third.values()} == {2}
        assert all(s.organizations is None for s in third.values())
        assert campaign_list(actor=users["analyst"]) == []
        assert correlated_indicator_list(actor=users["analyst"]) == []

    def test_three_members_show_the_count_but_never_who(self, users, orgs, publish):
        mine = publish_from(users, orgs, publish, "acme")
        publish_from(users, orgs, publish, "globex")
        publish_from(users, orgs, publish, "initech")
        seen = seen_by_counts(actor=users["analyst"], indicators=[mine])
        assert seen[mine.pk].count == 3 and seen[mine.pk].organizations is None
        listed = correlated_indicator_list(actor=users["analyst"])
        assert listed[0][0] == mine  # own indicators first
        [campaign] = campaign_list(actor=users["analyst"])
        assert campaign.member_count == 3 and campaign.organizations is None
        assert all(row.contributor is None for row in campaign.rows)
        assert not campaign.shared_tokens

    def test_oversight_sees_the_full_linkage(self, users, orgs, publish):
        publish_from(users, orgs, publish, "acme")
        publish_from(users, orgs, publish, "globex")
        for role in ("counsel", "regulator"):
            [campaign] = campaign_list(actor=users[role])
            assert {o.slug for o in campaign.organizations} == {"acme", "globex"}
            assert {row.contributor.slug for row in campaign.rows} == {"acme", "globex"}
            assert len(campaign.shared_tokens) == 1

    def test_policy_minimum_is_respected(self, users, orgs, publish, approved_policy):
        from tests.sharing.fixtures import review_rules

        mine = publish_from(users, orgs, publish, "acme")
        publish_from(users, orgs, publish, "globex")
        publish_from(users, orgs, publish, "initech")
        rules = review_rules(review=[])
        rules["correlation"] = {"min_members": 3}
        approved_policy(rules)
        assert seen_by_counts(actor=users["analyst"], indicators=[mine]) == {}


class TestIndex:
    def test_reindex_is_idempotent_and_drops_withdrawn(self, users, orgs, publish):
        from sharing.services.lifecycle_jobs import indicator_withdraw

        mine = publish_from(users, orgs, publish, "acme")
        publish_from(users, orgs, publish, "globex")
        CorrelationToken.objects.all().delete()
        first = correlation_reindex()
        rows = sorted(CorrelationToken.objects.values_list("indicator_id", "field", "canonical"))
        assert first == len(rows) == 6  # two emails and a fingerprint each
        assert correlation_reindex() == first
        assert (
            sorted(CorrelationToken.objects.values_list("indicator_id", "field", "canonical"))
            == rows
        )
        indicator_withdraw(actor=users["analyst"], indicator=mine, reason="duplicate report")
        correlation_reindex()
        assert not CorrelationToken.objects.filter(indicator=mine).exists()

    def test_index_holds_only_pseudonyms(self, users, orgs, publish):
        mine = publish_from(users, orgs, publish, "acme")
        fields = set(
            CorrelationToken.objects.filter(indicator=mine).values_list("field", flat=True)
        )
        assert fields == {"emails", "device_fingerprint"}
        assert all(
            t.startswith("oprf:o1:")
            for t in CorrelationToken.objects.values_list("token", flat=True)
        )


class TestKeyRotation:
    def test_rotation_keeps_correlation_after_originals_are_purged(
        self, users, orgs, publish, settings, tmp_path
    ):
        settings.CLEARROOM_PSEUDONYM_KEY_DIR = tmp_path
        settings.CLEARROOM_PSEUDONYM_KEY_ID = "k1"
        acme = publish_from(users, orgs, publish, "acme")
        globex = publish_from(users, orgs, publish, "globex")
        settings.CLEARROOM_PSEUDONYM_KEY_ID = "k2"
        summary = correlation_rekey(actor=users["counsel"], key_id="k2")
        # Six occurrences, five distinct pseudonyms (the attacker address is shared).
        assert summary["from_original"] == 6 and summary["mappings_created"] == 5
        event = AuditEvent.objects.filter(action="correlation.key_rotated").latest("seq")
        assert event.data["key_id"] == "k2" and event.data["tokens"] == 6
        Submission.objects.filter(pk__in=[acme.submission_id, globex.submission_id]).update(
            payload=None
        )
        # Once originals are gone, the old -> new mapping carries the old tokens.
        again = correlation_rekey(actor=users["counsel"], key_id="k2")
        assert again["via_mapping"] == 6 and again["unmapped"] == 0
        initech = publish_from(users, orgs, publish, "initech")
        assert initech.redacted_payload["emails"][0].startswith("oprf:k2:")
        assert acme.redacted_payload["emails"][0].startswith("oprf:k1:")
        seen = seen_by_counts(actor=users["analyst"], indicators=[acme])
        assert seen[acme.pk].count == 3
        assert PseudonymMapping.objects.filter(key_id="k2").count() == 5

    def test_hmac_pseudonyms_migrate_to_oprf_and_keep_correlating(
        self, users, orgs, publish, settings, tmp_path
    ):
        """Tokens of before #20 are re-pseudonymised from originals, then carried by mappings."""
        settings.CLEARROOM_PSEUDONYM_KEY_DIR = tmp_path
        settings.CLEARROOM_PSEUDONYM_SCHEME = "hmac"
        settings.CLEARROOM_PSEUDONYM_KEY_ID = "k1"
        acme = publish_from(users, orgs, publish, "acme")
        globex = publish_from(users, orgs, publish, "globex")
        assert acme.redacted_payload["emails"][0].startswith("hmac:k1:")
        settings.CLEARROOM_PSEUDONYM_SCHEME = "oprf"
        settings.CLEARROOM_PSEUDONYM_KEY_ID = "k1"  # same id, other scheme: another key
        summary = correlation_rekey(actor=users["counsel"], key_id="k1")
        assert summary["from_original"] == 6 and summary["mappings_created"] == 5
        assert all(
            t.startswith("oprf:k1:")
            for t in CorrelationToken.objects.values_list("canonical", flat=True)
        )
        Submission.objects.filter(pk__in=[acme.submission_id, globex.submission_id]).update(
            payload=None
        )
        again = correlation_rekey(actor=users["counsel"], key_id="k1")
        assert again["via_mapping"] == 6 and again["unmapped"] == 0
        initech = publish_from(users, orgs, publish, "initech")
        assert initech.redacted_payload["emails"][0].startswith("oprf:k1:")
        # Published payloads are never rewritten: the old tokens stay under their key id.
        acme.refresh_from_db()
        assert acme.redacted_payload["emails"][0].startswith("hmac:k1:")
        assert seen_by_counts(actor=users["analyst"], indicators=[acme])[acme.pk].count == 3

    def test_an_old_key_whose_files_are_gone_is_never_regenerated(
        self, users, orgs, publish, settings, tmp_path
    ):
        settings.CLEARROOM_PSEUDONYM_KEY_DIR = tmp_path
        settings.CLEARROOM_PSEUDONYM_KEY_ID = "k1"
        publish_from(users, orgs, publish, "acme")
        for path in (tmp_path / "k1").iterdir():
            path.unlink()
        (tmp_path / "k1").rmdir()
        settings.CLEARROOM_PSEUDONYM_KEY_ID = "k2"
        summary = correlation_rekey(actor=users["counsel"], key_id="k2")
        assert summary["from_original"] == 0 and summary["unmapped"] == 3
        assert not (tmp_path / "k1").exists()

    def test_rekey_refuses_a_key_that_is_not_current(self, users, settings):
        from config.errors import Conflict

        settings.CLEARROOM_PSEUDONYM_KEY_ID = "k1"
        with pytest.raises(Conflict):
            correlation_rekey(actor=users["counsel"], key_id="k9")

    @pytest.mark.celery_worker
    def test_rekey_task_runs_on_a_real_worker(
        self, users, orgs, publish, settings, tmp_path, transactional_db
    ):
        from sharing.tasks import correlation_rekey_task
        from tests.celery_helpers import redis_worker

        settings.CLEARROOM_PSEUDONYM_KEY_DIR = tmp_path
        settings.CLEARROOM_PSEUDONYM_KEY_ID = "k1"
        publish_from(users, orgs, publish, "acme")
        settings.CLEARROOM_PSEUDONYM_KEY_ID = "k2"
        with redis_worker() as app:
            # Publishing earlier built a producer pool bound to the eager-mode connection pool,
            # which redis_worker closed; let the send build one for the Redis broker.
            app.amqp._producer_pool = None
            correlation_rekey_task.delay("k2")
            deadline = time.monotonic() + 30
            while not AuditEvent.objects.filter(action="correlation.key_rotated").exists():
                assert time.monotonic() < deadline, "the worker did not run the task"
                time.sleep(0.2)
        assert set(CorrelationToken.objects.values_list("canonical", flat=True)) == set(
            PseudonymMapping.objects.values_list("new_token", flat=True)
        )
