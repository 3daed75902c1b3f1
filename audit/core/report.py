"""Compute the public transparency report from audit events.

Pure module: standard library only (and ``audit.core.canonical``, itself standard library only),
so the offline verifier ships it and recomputes, from a regulator's export, exactly the figures
the forum published. ``figures(events, min_contributors=k)`` is the whole computation: the same
events and the same parameter always give the same figures, byte for byte once canonicalised.

Safety zone (docs/transparency.md): counts of submissions and their outcomes are published as
ranges (the buckets of ``sharing/core/safety_zone.py``), and withheld with the reason wherever
fewer than ``min_contributors`` members' submissions stand behind the figure. No figure is
broken down by member. Forum-level counts (exports, cosigned checkpoints, membership
applications) are exact: they describe the forum, not a member's activity.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from audit.core.canonical import canonicalize

FORMAT = "clearroom-transparency-report/v1"
# Identical to sharing/core/safety_zone.py BUCKETS (tests/audit/test_report.py checks it); copied
# because this module must stand alone in the offline verifier.
BUCKETS: tuple[tuple[int, str], ...] = (
    (0, "0"),
    (1, "1-4"),
    (5, "5-9"),
    (10, "10-24"),
    (25, "25-49"),
    (50, "50-99"),
    (100, "100+"),
)
BUCKET_LABELS = tuple(label for _, label in BUCKETS)
OUTCOMES = (
    "received",
    "published",
    "refused",
    "rejected",
    "redacted",
    "withdrawn",
    "recalled",
    "expired",
)
MEMBER_KIND = "member"
WITHHELD = "withheld"

# The audit events that feed the figures (the table in docs/transparency.md lists them).
ORGANIZATION_CREATED = "organization.created"
INDICATOR_TYPE_CHANGED = "indicator_type.changed"
POLICY_APPROVED = "policy.version_approved"
POLICY_SUPERSEDED = "policy.version_superseded"
SUBMISSION_CREATED = "submission.created"
SUBMISSION_REFUSED = "submission.refused"
SUBMISSION_IN_REVIEW = "submission.in_review"
SUBMISSION_APPROVED = "submission.approved"
SUBMISSION_REJECTED = "submission.rejected"
SUBMISSION_CHANGES_REQUESTED = "submission.changes_requested"
SUBMISSION_WITHDRAWN = "submission.withdrawn"
REVIEW_APPROVED = "review.approved"
INDICATOR_PUBLISHED = "indicator.published"
INDICATOR_WITHDRAWN = "indicator.withdrawn"
INDICATOR_EXPIRED = "indicator.expired"
INDICATOR_RECALL_FLAGGED = "indicator.recall_flagged"
EXPORT_COMPLETED = "audit.export_completed"
COSIGNATURE_ADDED = "audit.cosignature_added"
APPLICATION_SUBMITTED = "membership.application.submitted"
APPLICATION_ACCEPTED = "membership.application.accepted"
APPLICATION_REFUSED = "membership.application.refused"


def bucket(count: int) -> str:
    """Return the range label a count is published as."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    label = BUCKETS[0][1]
    for low, name in BUCKETS:
        if count >= low:
            label = name
    return label


def bucket_level(label: str) -> int:
    """Return the position of a range label (0 for "0"), for charts."""
    return BUCKET_LABELS.index(label)


def parse_time(text: str) -> datetime:
    """Return the aware UTC datetime of an ISO 8601 timestamp (``Z`` or an offset)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {text!r}")
    return moment.astimezone(UTC)


def quarter_of(moment: datetime) -> str:
    """Return the quarter label ``YYYY-Qn`` of a datetime."""
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def quarter_bounds(label: str) -> tuple[datetime, datetime]:
    """Return the [start, end) of quarter ``YYYY-Qn``; raise ValueError if malformed."""
    year_text, _, number_text = label.partition("-Q")
    if not (year_text.isdigit() and len(year_text) == 4 and number_text in {"1", "2", "3", "4"}):
        raise ValueError(f"not a quarter: {label!r}")
    year, number = int(year_text), int(number_text)
    start = datetime(year, 3 * number - 2, 1, tzinfo=UTC)
    end = (
        datetime(year + 1, 1, 1, tzinfo=UTC)
        if number == 4
        else datetime(year, 3 * number + 1, 1, tzinfo=UTC)
    )
    return start, end


def percentile(values: list[int], p: int) -> int:
    """Return the nearest-rank ``p``-th percentile of non-empty integer ``values``."""
    ordered = sorted(values)
    rank = max(1, (p * len(ordered) + 99) // 100)
    return ordered[rank - 1]


class _Ledger:
    """What the events say, indexed once: each submission's type and member, and dated facts."""

    def __init__(self, min_contributors: int) -> None:
        self.min_contributors = min_contributors
        self.submissions: dict[str, tuple[str, str]] = {}  # id -> (type, member org)
        self.indicators: dict[str, str] = {}  # indicator id -> submission id
        # (moment, outcome, submission id); resolved to type and member afterwards.
        self.outcomes: list[tuple[datetime, str, str]] = []
        # (moment, submission, kind of action): the policy's at intake, a reviewer's at approval.
        self.policy_redactions: list[tuple[datetime, str, str]] = []
        self.extra_redactions: list[tuple[datetime, str, str]] = []
        self.reviews: list[tuple[datetime, str, int]] = []  # (decided, submission, seconds)
        self.open_reviews: dict[str, datetime] = {}
        self.organizations: list[tuple[datetime, dict[str, str]]] = []
        self.types: list[tuple[datetime, str, bool]] = []
        self.policies: dict[int, dict[str, Any]] = {}
        self.forum: list[tuple[datetime, str, str]] = []  # (moment, figure, distinct key)
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.count = 0
        self.first_seq: int | None = None

    def add(self, event: Mapping[str, Any]) -> None:
        moment = parse_time(event["recorded_at"])
        if self.first is None:
            self.first, self.first_seq = moment, event["seq"]
        self.last = moment
        self.count += 1
        action, data = event["action"], event["data"]
        object_id = event["object"]["id"]
        org = event["actor"]["org"]
        handler = _HANDLERS.get(action)
        if handler is not None:
            handler(self, moment, data, object_id, org)

    def _submission_seen(self, moment, data, object_id, org) -> None:
        self.submissions.setdefault(object_id, (data["indicator_type"], org or ""))

    def _created(self, moment, data, object_id, org) -> None:
        self._submission_seen(moment, data, object_id, org)
        self.outcomes.append((moment, "received", object_id))
        if data.get("redacted_sha256") != data.get("payload_sha256"):
            self.outcomes.append((moment, "redacted", object_id))
        # Kinds of action and how many fields each changed (events from before this was
        # recorded hold none: they count as redacted above, not by action).
        for kind, fields in (data.get("redactions") or {}).items():
            self.policy_redactions.extend([(moment, object_id, kind)] * int(fields))

    def _refused(self, moment, data, object_id, org) -> None:
        self._submission_seen(moment, data, object_id, org)
        self.outcomes.append((moment, "received", object_id))
        self.outcomes.append((moment, "refused", object_id))

    def _in_review(self, moment, data, object_id, org) -> None:
        if data.get("stages"):
            self.open_reviews.setdefault(object_id, moment)

    def _decided(self, moment, data, object_id, org) -> None:
        started = self.open_reviews.pop(object_id, None)
        if started is not None:
            self.reviews.append((moment, object_id, int((moment - started).total_seconds())))

    def _rejected(self, moment, data, object_id, org) -> None:
        self._decided(moment, data, object_id, org)
        self.outcomes.append((moment, "rejected", object_id))

    def _review_approved(self, moment, data, object_id, org) -> None:
        for action in (data.get("extra_redactions") or {}).values():
            # The kind of action only (``mask:4`` -> ``mask``): never a field's value.
            self.extra_redactions.append((moment, data["submission_id"], action.split(":")[0]))

    def _withdrawn(self, moment, data, object_id, org) -> None:
        self.outcomes.append((moment, "withdrawn", object_id))

    def _published(self, moment, data, object_id, org) -> None:
        self.indicators[object_id] = data["submission_id"]
        self.outcomes.append((moment, "published", data["submission_id"]))

    def _organization(self, moment, data, object_id, org) -> None:
        self.organizations.append((moment, data))

    def _type(self, moment, data, object_id, org) -> None:
        self.types.append((moment, data["key"], bool(data.get("is_active", True))))

    def _approved(self, moment, data, object_id, org) -> None:
        self.policies[data["number"]] = {
            "number": data["number"],
            "content_hash": data["approved_hash"],
            "approved_at": _iso(moment),
            "effective_from": _iso(parse_time(data["effective_from"])),
            "effective_until": None,
        }

    def _superseded(self, moment, data, object_id, org) -> None:
        version = self.policies.get(data["number"])
        if version is not None and data.get("effective_until"):
            version["effective_until"] = _iso(parse_time(data["effective_until"]))


def _indicator_outcome(outcome: str):
    """Return the handler of an event about a published indicator: counted for its submission."""

    def handle(ledger: _Ledger, moment, data, object_id, org) -> None:
        submission = ledger.indicators.get(object_id) or data.get("submission_id")
        if submission is not None:
            ledger.outcomes.append((moment, outcome, submission))

    return handle


def _forum(figure: str, key: str | None = None):
    """Return the handler of a forum-level event: counted once per distinct `data[key]`."""

    def handle(ledger: _Ledger, moment, data, object_id, org) -> None:
        distinct = str(data.get(key)) if key else f"{object_id}:{moment.isoformat()}"
        ledger.forum.append((moment, figure, distinct))

    return handle


_HANDLERS = {
    ORGANIZATION_CREATED: _Ledger._organization,
    INDICATOR_TYPE_CHANGED: _Ledger._type,
    POLICY_APPROVED: _Ledger._approved,
    POLICY_SUPERSEDED: _Ledger._superseded,
    SUBMISSION_CREATED: _Ledger._created,
    SUBMISSION_REFUSED: _Ledger._refused,
    SUBMISSION_IN_REVIEW: _Ledger._in_review,
    SUBMISSION_APPROVED: _Ledger._decided,
    SUBMISSION_CHANGES_REQUESTED: _Ledger._decided,
    SUBMISSION_REJECTED: _Ledger._rejected,
    SUBMISSION_WITHDRAWN: _Ledger._withdrawn,
    REVIEW_APPROVED: _Ledger._review_approved,
    INDICATOR_PUBLISHED: _Ledger._published,
    INDICATOR_WITHDRAWN: _indicator_outcome("withdrawn"),
    INDICATOR_EXPIRED: _indicator_outcome("expired"),
    INDICATOR_RECALL_FLAGGED: _indicator_outcome("recalled"),
    EXPORT_COMPLETED: _forum("regulator_exports"),
    COSIGNATURE_ADDED: _forum("cosigned_checkpoints", "checkpoint_size"),
    APPLICATION_SUBMITTED: _forum("applications_received"),
    APPLICATION_ACCEPTED: _forum("applications_accepted"),
    APPLICATION_REFUSED: _forum("applications_refused"),
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _withheld(min_contributors: int) -> dict[str, str]:
    return {
        "status": WITHHELD,
        "reason": (
            f"Fewer than {min_contributors} members contributed to this figure (the policy's "
            "minimum), so publishing it could reveal a member's activity."
        ),
    }


def _by_action(ledger: _Ledger, facts, inside, k: int) -> dict[str, Any]:
    """Redactions by kind of action in the period, withheld below `k` contributing members."""
    actions: dict[str, int] = {}
    redactors: set[str] = set()
    for moment, submission, action in facts:
        if inside(moment) and submission in ledger.submissions:
            actions[action] = actions.get(action, 0) + 1
            redactors.add(ledger.submissions[submission][1])
    if actions and len(redactors) < k:
        return _withheld(k)
    return {"status": "published", "by_action": {a: bucket(actions[a]) for a in sorted(actions)}}


def _period(ledger: _Ledger, start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """Return the figures of events recorded in [start, end) (None: unbounded)."""

    def inside(moment: datetime) -> bool:
        return (start is None or moment >= start) and (end is None or moment < end)

    def before_end(moment: datetime) -> bool:
        return end is None or moment < end

    k = ledger.min_contributors
    members = {}
    for moment, data in ledger.organizations:
        if before_end(moment) and data.get("kind") == MEMBER_KIND:
            members[data["slug"]] = data.get("name", data["slug"])
    types: dict[str, bool] = {}
    for moment, key, active in ledger.types:
        if before_end(moment):
            types[key] = active
    policies = []
    for number in sorted(ledger.policies):
        version = ledger.policies[number]
        effective_from = parse_time(version["effective_from"])
        until = version["effective_until"]
        if (end is None or effective_from < end) and (
            until is None or start is None or parse_time(until) > start
        ):
            policies.append(dict(version))

    seen: set[tuple[str, str]] = set()
    counts: dict[str, dict[str, int]] = {}
    contributors: dict[str, set[str]] = {}
    everyone: set[str] = set()
    for moment, outcome, submission in ledger.outcomes:
        if not inside(moment) or submission not in ledger.submissions:
            continue
        # Each figure counts submissions, once each, however many events repeat an outcome.
        if (outcome, submission) in seen:
            continue
        seen.add((outcome, submission))
        itype, org = ledger.submissions[submission]
        counts.setdefault(itype, dict.fromkeys(OUTCOMES, 0))[outcome] += 1
        contributors.setdefault(itype, set()).add(org)
        everyone.add(org)
    by_type = {}
    for itype in sorted(counts):
        if len(contributors[itype]) < k:
            by_type[itype] = _withheld(k)
        else:
            by_type[itype] = {
                "status": "published",
                **{o: bucket(counts[itype][o]) for o in OUTCOMES},
            }
    if not counts:
        total: dict[str, Any] = {"status": "published", **dict.fromkeys(OUTCOMES, "0")}
    elif len(everyone) < k:
        total = _withheld(k)
    else:
        total = {
            "status": "published",
            **{o: bucket(sum(c[o] for c in counts.values())) for o in OUTCOMES},
        }

    policy_redactions = _by_action(ledger, ledger.policy_redactions, inside, k)
    reviewer_redactions = _by_action(ledger, ledger.extra_redactions, inside, k)

    seconds: list[int] = []
    reviewed: set[str] = set()
    for moment, submission, duration in ledger.reviews:
        if inside(moment) and submission in ledger.submissions:
            seconds.append(duration)
            reviewed.add(ledger.submissions[submission][1])
    if not seconds:
        review_times: dict[str, Any] = {"status": "published", "reviews": "0"}
    elif len(reviewed) < k:
        review_times = _withheld(k)
    else:
        review_times = {
            "status": "published",
            "reviews": bucket(len(seconds)),
            "median_seconds": percentile(seconds, 50),
            "p90_seconds": percentile(seconds, 90),
        }

    forum: dict[str, set[str]] = {
        name: set()
        for name in (
            "regulator_exports",
            "cosigned_checkpoints",
            "applications_received",
            "applications_accepted",
            "applications_refused",
        )
    }
    for moment, figure, distinct in ledger.forum:
        if inside(moment):
            forum[figure].add(distinct)
    return {
        "members": [{"slug": s, "name": members[s]} for s in sorted(members)],
        "indicator_types": sorted(key for key, active in types.items() if active),
        "policy_versions": policies,
        "submissions": {"total": total, "by_type": by_type},
        "policy_redactions": policy_redactions,
        "reviewer_redactions": reviewer_redactions,
        "review_times": review_times,
        "regulator_exports": len(forum["regulator_exports"]),
        "cosigned_checkpoints": len(forum["cosigned_checkpoints"]),
        "membership_applications": {
            "received": len(forum["applications_received"]),
            "accepted": len(forum["applications_accepted"]),
            "refused": len(forum["applications_refused"]),
        },
    }


def figures(events: Iterable[Mapping[str, Any]], *, min_contributors: int) -> dict[str, Any]:
    """Return the report's figures over ``events`` (parsed audit leaves, in seq order).

    Since the start and for every calendar quarter (UTC) from the first event's to the last's.
    """
    if type(min_contributors) is not int or min_contributors < 1:
        raise ValueError("min_contributors must be a positive integer")
    ledger = _Ledger(min_contributors)
    for event in events:
        ledger.add(event)
    result: dict[str, Any] = {
        "events": ledger.count,
        "since_start": _period(ledger, None, None),
        "quarters": [],
    }
    if ledger.first is None or ledger.last is None:
        return result
    label = quarter_of(ledger.first)
    while True:
        start, end = quarter_bounds(label)
        result["quarters"].append(
            {
                "quarter": label,
                "start": _iso(start),
                "end": _iso(end),
                **_period(ledger, start, end),
            }
        )
        if ledger.last < end:
            break
        label = quarter_of(end)
    return result


def build_report(
    events: Iterable[Mapping[str, Any]],
    *,
    origin: str,
    size: int,
    root: bytes,
    min_contributors: int,
) -> dict[str, Any]:
    """Return the report document over the first ``size`` events, citing their checkpoint."""
    return {
        "format": FORMAT,
        "origin": origin,
        "checkpoint": {"size": size, "root": base64.b64encode(root).decode()},
        "parameters": {"min_contributors": min_contributors},
        "figures": figures(events, min_contributors=min_contributors),
    }


def report_digest(document: Mapping[str, Any]) -> str:
    """Return the hex SHA-256 of the RFC 8785 canonical bytes of a report document."""
    return hashlib.sha256(canonicalize(document)).hexdigest()


def note_body(document: Mapping[str, Any]) -> str:
    """Return the signed-note body that signs ``document``: format, checkpoint, digest lines."""
    checkpoint = document["checkpoint"]
    lines = [
        FORMAT,
        document["origin"],
        str(checkpoint["size"]),
        checkpoint["root"],
        f"sha256 {report_digest(document)}",
    ]
    return "".join(line + "\n" for line in lines)
