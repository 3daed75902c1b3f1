"""The transparency report's figures: a pure function of the audit events (audit/core/report.py)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.core.canonical import canonicalize
from audit.core.report import (
    BUCKET_LABELS,
    BUCKETS,
    OUTCOMES,
    bucket,
    build_report,
    figures,
    note_body,
    percentile,
    quarter_bounds,
)
from audit.core.report_verify import ReportError, check_signature, signed_report
from audit.core.signed_note import (
    generate_signer_key,
    load_private_key,
    parse_verifier_key,
    sign_note,
)
from sharing.core import safety_zone

ORIGIN = "clearroom.example/audit"
_seq = itertools.count()


def event(action, *, at, org=None, data=None, obj_id=None, obj_type=None):
    """Return a parsed audit leaf (only the keys the report reads matter)."""
    return {
        "v": 1,
        "seq": next(_seq),
        "prev": "0" * 64,
        "recorded_at": at,
        "actor": {"user_id": None, "username": "u", "org": org, "role": None},
        "action": action,
        "object": {"id": obj_id, "type": obj_type},
        "data": data or {},
    }


def created(sub, org, itype, at, *, redacted=True):
    return event(
        "submission.created",
        at=at,
        org=org,
        obj_id=sub,
        data={
            "indicator_type": itype,
            "payload_sha256": "a" * 64,
            "redacted_sha256": ("b" if redacted else "a") * 64,
        },
    )


def published(sub, indicator, at):
    return event("indicator.published", at=at, obj_id=indicator, data={"submission_id": sub})


def lab_events(at="2026-02-10T10:00:00.000000Z", orgs=("acme", "globex", "initech")):
    """One account cluster per org, all published; two proxy services from acme alone."""
    events = []
    for n, org in enumerate(orgs):
        events += [created(f"s{n}", org, "account-cluster", at), published(f"s{n}", f"i{n}", at)]
    events += [
        created("p1", "acme", "proxy-service", at),
        created("p2", "acme", "proxy-service", at, redacted=False),
    ]
    return events


def test_buckets_are_the_safety_zone_buckets():
    assert BUCKETS == safety_zone.BUCKETS
    for count in (0, 1, 4, 5, 9, 10, 24, 99, 100, 5000):
        assert bucket(count) == safety_zone.bucket(count)


def test_counts_are_published_as_ranges_per_type_when_enough_members_contributed():
    result = figures(lab_events(), min_contributors=3)
    clusters = result["since_start"]["submissions"]["by_type"]["account-cluster"]
    assert clusters["status"] == "published"
    assert clusters["received"] == "1-4"
    assert clusters["published"] == "1-4"
    assert clusters["redacted"] == "1-4"
    assert clusters["refused"] == "0"


def test_a_type_fewer_members_contributed_to_is_withheld_with_the_reason_and_no_figure():
    result = figures(lab_events(), min_contributors=3)
    proxies = result["since_start"]["submissions"]["by_type"]["proxy-service"]
    assert proxies["status"] == "withheld"
    assert "Fewer than 3 members" in proxies["reason"]
    assert set(proxies) == {"status", "reason"}


def test_the_total_is_withheld_when_fewer_members_contributed_overall():
    result = figures(lab_events(orgs=("acme", "globex")), min_contributors=3)
    assert result["since_start"]["submissions"]["total"]["status"] == "withheld"
    result = figures(lab_events(), min_contributors=3)
    total = result["since_start"]["submissions"]["total"]
    # Three clusters and two proxy services were received: 5 lands in "5-9".
    assert (total["status"], total["received"]) == ("published", "5-9")


def test_no_figure_names_a_member():
    text = canonicalize(figures(lab_events(), min_contributors=3)).decode()
    for org in ("acme", "globex", "initech"):
        assert org not in text


def test_outcomes_after_publication_count_for_the_submission_type():
    at = "2026-02-10T10:00:00.000000Z"
    events = lab_events(at)
    events += [
        event("indicator.withdrawn", at=at, obj_id="i0", data={"submission_id": "s0"}),
        event("indicator.recall_flagged", at=at, obj_id="i1", data={}),
        event("indicator.recall_flagged", at=at, obj_id="i1", data={}),
        event("indicator.expired", at=at, obj_id="i2", data={}),
    ]
    clusters = figures(events, min_contributors=3)["since_start"]["submissions"]["by_type"][
        "account-cluster"
    ]
    # A submission is counted once per outcome, however many events repeat it.
    assert (clusters["withdrawn"], clusters["recalled"], clusters["expired"]) == ("1-4",) * 3


def test_refusals_count_as_received_and_refused():
    at = "2026-02-10T10:00:00.000000Z"
    events = lab_events(at) + [
        event(
            "submission.refused",
            at=at,
            org=org,
            obj_id=f"r{org}",
            data={"indicator_type": "payment-linkage"},
        )
        for org in ("acme", "globex", "initech")
    ]
    refused = figures(events, min_contributors=3)["since_start"]["submissions"]["by_type"][
        "payment-linkage"
    ]
    assert (refused["received"], refused["refused"], refused["published"]) == ("1-4", "1-4", "0")


def test_figures_are_split_by_calendar_quarter_and_summed_since_the_start():
    events = lab_events("2026-02-10T10:00:00.000000Z") + [
        created(f"q3-{org}", org, "account-cluster", "2026-08-01T00:00:00.000000Z")
        for org in ("acme", "globex", "initech")
    ]
    result = figures(events, min_contributors=3)
    labels = [q["quarter"] for q in result["quarters"]]
    assert labels == ["2026-Q1", "2026-Q2", "2026-Q3"]
    q1, q2, q3 = result["quarters"]
    assert q1["submissions"]["by_type"]["account-cluster"]["received"] == "1-4"
    assert q2["submissions"]["by_type"] == {}
    assert q3["submissions"]["by_type"]["account-cluster"]["published"] == "0"
    since = result["since_start"]["submissions"]["by_type"]["account-cluster"]
    assert since["received"] == "5-9"
    assert quarter_bounds("2026-Q3")[0].isoformat() == "2026-07-01T00:00:00+00:00"
    with pytest.raises(ValueError):
        quarter_bounds("2026-Q5")


def test_review_times_are_median_and_p90_of_concluded_rounds():
    events = []
    for n, (org, hours) in enumerate([("acme", 1), ("globex", 2), ("initech", 10)]):
        sub = f"r{n}"
        events += [
            created(sub, org, "account-cluster", "2026-02-10T00:00:00.000000Z"),
            event(
                "submission.in_review",
                at="2026-02-10T00:00:00.000000Z",
                obj_id=sub,
                data={"stages": ["origin"]},
            ),
            event(
                "submission.approved",
                at=f"2026-02-10T{hours:02d}:00:00.000000Z",
                obj_id=sub,
                data={"automatic": False},
            ),
        ]
    # An automatic approval (no review stage) is no review.
    events += [
        created("auto", "acme", "account-cluster", "2026-02-10T00:00:00.000000Z"),
        event("submission.in_review", at="2026-02-10T00:00:00.000000Z", obj_id="auto",
              data={"stages": []}),
        event("submission.approved", at="2026-02-11T00:00:00.000000Z", obj_id="auto"),
    ]  # fmt: skip
    times = figures(events, min_contributors=3)["since_start"]["review_times"]
    assert times == {
        "status": "published",
        "reviews": "1-4",
        "median_seconds": 7200,
        "p90_seconds": 36000,
    }
    assert figures(events, min_contributors=4)["since_start"]["review_times"]["status"] == (
        "withheld"
    )
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile([5, 1, 3, 2, 4], 90) == 5


def test_reviewer_redactions_are_counted_by_kind_of_action_never_by_value():
    at = "2026-02-10T10:00:00.000000Z"
    events = lab_events(at) + [
        event(
            "review.approved",
            at=at,
            data={"submission_id": f"s{n}", "extra_redactions": {"signup_ip": "mask:4"}},
        )
        for n in range(3)
    ]
    red = figures(events, min_contributors=3)["since_start"]["reviewer_redactions"]
    assert red == {"status": "published", "by_action": {"mask": "1-4"}}
    red = figures(events[:-1], min_contributors=3)["since_start"]["reviewer_redactions"]
    assert red["status"] == "withheld"


def test_policy_redactions_are_counted_by_kind_of_action_from_the_created_events():
    at = "2026-02-10T10:00:00.000000Z"
    events = []
    for n, org in enumerate(("acme", "globex", "initech")):
        sub = created(f"s{n}", org, "account-cluster", at)
        sub["data"]["redactions"] = {"drop": 2, "generalize": 1}
        events.append(sub)
    red = figures(events, min_contributors=3)["since_start"]["policy_redactions"]
    assert red == {"status": "published", "by_action": {"drop": "5-9", "generalize": "1-4"}}
    # Two members only: the figure could reveal a member's activity.
    red = figures(events[:2], min_contributors=3)["since_start"]["policy_redactions"]
    assert red["status"] == "withheld"
    # Events from before kinds were recorded count as redacted, and by action not at all.
    older = [created("old", "acme", "account-cluster", at)]
    assert figures(older, min_contributors=1)["since_start"]["policy_redactions"] == {
        "status": "published",
        "by_action": {},
    }


def test_forum_figures_members_types_and_policies():
    events = [
        event("organization.created", at="2026-01-02T00:00:00.000000Z",
              data={"kind": "member", "slug": "acme", "name": "Acme AI"}),
        event("organization.created", at="2026-01-02T00:00:00.000000Z",
              data={"kind": "regulator", "slug": "authority", "name": "Authority"}),
        event("indicator_type.changed", at="2026-01-02T00:00:00.000000Z",
              data={"key": "account-cluster", "is_active": True}),
        event("indicator_type.changed", at="2026-01-02T00:00:00.000000Z",
              data={"key": "old-type", "is_active": False}),
        event("policy.version_approved", at="2026-01-03T00:00:00.000000Z",
              data={"number": 1, "approved_hash": "c" * 64,
                    "effective_from": "2026-01-03T00:00:00+00:00"}),
        event("policy.version_approved", at="2026-05-03T00:00:00.000000Z",
              data={"number": 2, "approved_hash": "d" * 64,
                    "effective_from": "2026-05-03T00:00:00+00:00"}),
        event("policy.version_superseded", at="2026-05-03T00:00:00.000000Z",
              data={"number": 1, "effective_until": "2026-05-03T00:00:00+00:00"}),
        event("audit.export_completed", at="2026-05-04T00:00:00.000000Z", obj_id="1"),
        event("audit.cosignature_added", at="2026-05-04T00:00:00.000000Z",
              data={"checkpoint_size": 10}),
        event("audit.cosignature_added", at="2026-05-05T00:00:00.000000Z",
              data={"checkpoint_size": 10}),
        event("membership.application.submitted", at="2026-05-04T00:00:00.000000Z", obj_id="a1"),
        event("membership.application.submitted", at="2026-05-04T00:00:00.000000Z", obj_id="a2"),
        event("membership.application.accepted", at="2026-05-05T00:00:00.000000Z", obj_id="a1"),
        event("membership.application.refused", at="2026-05-05T00:00:00.000000Z", obj_id="a2"),
    ]  # fmt: skip
    result = figures(events, min_contributors=3)
    since = result["since_start"]
    assert since["members"] == [{"slug": "acme", "name": "Acme AI"}]
    assert since["indicator_types"] == ["account-cluster"]
    assert since["regulator_exports"] == 1
    assert since["cosigned_checkpoints"] == 1  # two cosignatures of one checkpoint
    assert since["membership_applications"] == {"received": 2, "accepted": 1, "refused": 1}
    q1, q2 = result["quarters"]
    assert [v["number"] for v in q1["policy_versions"]] == [1]
    assert [v["number"] for v in q2["policy_versions"]] == [1, 2]
    assert q1["policy_versions"][0]["content_hash"] == "c" * 64
    assert q1["regulator_exports"] == 0


def test_the_same_events_give_the_same_canonical_report():
    events = lab_events()
    one = build_report(events, origin=ORIGIN, size=len(events), root=b"\1" * 32,
                       min_contributors=3)  # fmt: skip
    two = build_report(list(events), origin=ORIGIN, size=len(events), root=b"\1" * 32,
                       min_contributors=3)  # fmt: skip
    assert canonicalize(one) == canonicalize(two)
    with pytest.raises(ValueError):
        figures(events, min_contributors=0)


def test_a_signed_report_verifies_and_a_changed_figure_does_not():
    pem, key_text = generate_signer_key(ORIGIN)
    events = lab_events()
    document = build_report(events, origin=ORIGIN, size=len(events), root=b"\1" * 32,
                            min_contributors=3)  # fmt: skip
    signed = signed_report(document, sign_note(note_body(document), ORIGIN, load_private_key(pem)))
    verifier = parse_verifier_key(key_text)
    assert check_signature(signed, verifier) == document
    signed["report"]["figures"]["since_start"]["regulator_exports"] = 7
    with pytest.raises(ReportError, match="changed after signing"):
        check_signature(signed, verifier)
    _, other_key = generate_signer_key(ORIGIN)
    with pytest.raises(ReportError, match="does not verify"):
        check_signature(
            signed_report(document, sign_note(note_body(document), ORIGIN, load_private_key(pem))),
            parse_verifier_key(other_key),
        )


ORGS = ("acme", "globex", "initech", "umbrella")
TYPES = ("account-cluster", "proxy-service", "payment-linkage")


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(ORGS), st.sampled_from(TYPES), st.integers(1, 12),
                  st.booleans()),
        max_size=40,
    ),
    minimum=st.integers(1, 4),
)  # fmt: skip
def test_every_published_figure_is_a_range_backed_by_enough_members(rows, minimum):
    events = []
    for n, (org, itype, month, publish) in enumerate(rows):
        at = f"2026-{month:02d}-15T00:00:00.000000Z"
        events.append(created(f"s{n}", org, itype, at))
        if publish:
            events.append(published(f"s{n}", f"i{n}", at))
    result = figures(events, min_contributors=minimum)
    text = canonicalize(result).decode()
    assert not any(org in text for org in ORGS)
    for period in [result["since_start"], *result["quarters"]]:
        for itype, entry in period["submissions"]["by_type"].items():
            quarter = period.get("quarter")
            members = {
                org
                for org, t, month, _ in rows
                if t == itype and quarter in (None, f"2026-Q{(month - 1) // 3 + 1}")
            }
            if len(members) < minimum:
                assert entry == {"status": "withheld", "reason": entry["reason"]}
            else:
                assert entry["status"] == "published"
                assert all(entry[o] in BUCKET_LABELS for o in OUTCOMES)
