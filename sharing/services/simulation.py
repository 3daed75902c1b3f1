"""Policy simulation: what a draft or pending version would change on recent decided submissions.

The simulation runs intake's own steps (schema validation, rule resolution with the
organization's override, redaction with the forum key and the member's watchlist, audience) under
the given version instead of the version in force, so its results are what intake would do once
the version is approved. It writes nothing but its audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from audit import actions
from audit.services.log import audit_record
from config.errors import Conflict, ValidationFailed
from governance.core import field_actions as fa
from governance.core import policy_language
from governance.core.canonical import canonical_sha256
from governance.core.indicator_schema import validate_payload
from governance.models import (
    IndicatorType,
    Organization,
    PolicyStatus,
    PolicyVersion,
)
from governance.permissions import require
from governance.roles import Capability
from governance.selectors.catalog import catalog_fields
from governance.selectors.policy import EffectiveRule, effective_rule, member_org_slugs
from sharing.core import lifecycle
from sharing.models import Stage, Submission
from sharing.services import intake, review

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
SIMULATED_STATUSES = (PolicyStatus.DRAFT, PolicyStatus.PENDING_APPROVAL)
STRICTER, LOOSER, CHANGED = "stricter", "looser", "changed"


@dataclass(frozen=True)
class Outcome:
    """What a policy makes of a payload: stored for the version in force, computed for another."""

    refused: bool
    reason: str = ""
    redacted_payload: dict = field(default_factory=dict)
    redaction_report: list[dict] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    tlp: str = ""
    pap: str = ""
    review_stages: list[str] = field(default_factory=list)
    held: str = ""  # why a rule without review stages would hold it for origin review

    def actions(self) -> dict[str, str]:
        """Return {field: action} of the policy's redaction (reviewer additions left out)."""
        return {
            entry["field"]: entry["action"]
            for entry in self.redaction_report
            if not str(entry.get("reason", "")).startswith("reviewer:")
        }


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None  # None: the submission was refused
    after: str | None
    direction: str


@dataclass(frozen=True)
class SubmissionChange:
    """How one decided submission would fare under the simulated version."""

    submission: Submission
    current: Outcome
    simulated: Outcome
    field_changes: list[FieldChange]
    audience_added: list[str]
    audience_removed: list[str]

    @property
    def newly_refused(self) -> bool:
        return self.simulated.refused and not self.current.refused

    @property
    def newly_allowed(self) -> bool:
        return self.current.refused and not self.simulated.refused

    @property
    def markings_changed(self) -> bool:
        return (self.current.tlp, self.current.pap) != (self.simulated.tlp, self.simulated.pap)

    @property
    def review_changed(self) -> bool:
        return (self.current.review_stages, bool(self.current.held)) != (
            self.simulated.review_stages,
            bool(self.simulated.held),
        )

    @property
    def changed(self) -> bool:
        return bool(
            self.newly_refused
            or self.newly_allowed
            or self.field_changes
            or self.audience_added
            or self.audience_removed
            or self.markings_changed
            or self.review_changed
        )


@dataclass(frozen=True)
class SimulationResult:
    version: PolicyVersion
    limit: int
    changes: list[SubmissionChange]
    purged: int  # decided submissions whose original is gone: nothing to simulate
    # Auto-publishing types that keep free text (policy_language.free_text_warnings).
    warnings: list[policy_language.PolicyError] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """Return the counts counsel reads first (and the audit event records)."""
        return {
            "compared": len(self.changes),
            "purged": self.purged,
            "changed": sum(c.changed for c in self.changes),
            "newly_refused": sum(c.newly_refused for c in self.changes),
            "newly_allowed": sum(c.newly_allowed for c in self.changes),
            "newly_redacted_fields": sum(
                1 for c in self.changes for f in c.field_changes if f.direction == STRICTER
            ),
            "loosened_fields": sum(
                1 for c in self.changes for f in c.field_changes if f.direction == LOOSER
            ),
            "audience_changes": sum(
                bool(c.audience_added or c.audience_removed) for c in self.changes
            ),
            "held_for_review": sum(bool(c.simulated.held) for c in self.changes),
        }


def rule_under_version(
    *, version: PolicyVersion, organization: Organization, indicator_type: IndicatorType
) -> tuple[EffectiveRule | None, str | None]:
    """Return the rule `version` would apply to `organization`'s `indicator_type`, or why not.

    The very resolution intake uses (`selectors.policy.effective_rule`), for this version.
    """
    return effective_rule(organization=organization, indicator_type=indicator_type, version=version)


def outcome_under(
    *,
    version: PolicyVersion,
    organization: Organization,
    indicator_type: IndicatorType,
    payload: Any,
) -> Outcome:
    """Return what intake would make of `payload` under `version`."""
    problems = validate_payload(indicator_type.fields, payload)
    if problems:
        return Outcome(refused=True, reason=f"the payload no longer matches {indicator_type.key}")
    rule, reason = rule_under_version(
        version=version, organization=organization, indicator_type=indicator_type
    )
    if rule is None:
        return Outcome(refused=True, reason=reason or "")
    try:
        # Intake's own redaction step (forum key, member watchlist, audience), not a copy of it.
        result = intake.apply_policy(
            organization=organization, indicator_type=indicator_type, payload=payload, rule=rule
        )
    except ValidationFailed as exc:
        return Outcome(refused=True, reason=exc.message)
    policy = rule.rule
    stages = list(policy.get("review") or [])
    # Intake's own gate: no review stage but a flag or free text goes to origin review.
    held = review.hold_reason(
        rule_path=rule.rule_path,
        review_stages=stages,
        flags=result.flags,
        redacted_payload=result.redacted_payload,
        fields=indicator_type.fields,
    )
    return Outcome(
        refused=False,
        redacted_payload=result.redacted_payload,
        redaction_report=result.redaction_report,
        audience=list(result.audience),
        tlp=policy.get("tlp", ""),
        pap=policy.get("pap", ""),
        review_stages=[Stage.ORIGIN.value] if held else stages,
        held=held,
    )


def _stored_outcome(submission: Submission) -> Outcome:
    if submission.state == lifecycle.REFUSED:
        return Outcome(refused=True, reason=submission.refusal_reason)
    return Outcome(
        refused=False,
        redacted_payload=submission.redacted_payload,
        redaction_report=list(submission.redaction_report),
        audience=list(submission.audience),
        tlp=submission.tlp,
        pap=submission.pap,
        review_stages=review.review_stages_for(submission),
        held=review.review_hold_reason(submission),
    )


def _direction(before: str | None, after: str | None) -> str:
    if before is None or after is None:
        return CHANGED
    try:
        old, new = fa.parse_action(before), fa.parse_action(after)
    except fa.ActionError:
        return CHANGED
    if fa.is_at_least_as_strict(new, old):
        return STRICTER
    if fa.is_at_least_as_strict(old, new):
        return LOOSER
    return CHANGED


def _compare(submission: Submission, current: Outcome, simulated: Outcome) -> SubmissionChange:
    field_changes = []
    if not current.refused and not simulated.refused:
        before, after = current.actions(), simulated.actions()
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                field_changes.append(
                    FieldChange(
                        name,
                        before.get(name),
                        after.get(name),
                        _direction(before.get(name), after.get(name)),
                    )
                )
    return SubmissionChange(
        submission=submission,
        current=current,
        simulated=simulated,
        field_changes=field_changes,
        audience_added=sorted(set(simulated.audience) - set(current.audience)),
        audience_removed=sorted(set(current.audience) - set(simulated.audience)),
    )


def decided_submissions():
    """Return the decided submissions, newest first (refused ones count as decided)."""
    return (
        Submission.objects.filter(Q(decided_at__isnull=False) | Q(state=lifecycle.REFUSED))
        .select_related("organization", "indicator_type")
        .order_by("-created_at", "-id")
    )


def _check_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            "Choose how many submissions to simulate.",
            errors=[{"field": "limit", "message": f"must be a whole number from 1 to {MAX_LIMIT}"}],
        )
    return limit


@transaction.atomic
def policy_simulate(
    *, actor, version: PolicyVersion, limit: int = DEFAULT_LIMIT
) -> SimulationResult:
    """Run `version` (draft or pending approval) on the last `limit` decided submissions.

    Counsel only. Submissions whose original was purged are counted, not simulated.
    """
    require(actor, Capability.APPROVE_POLICY)
    limit = _check_limit(limit)
    version = PolicyVersion.objects.get(pk=version.pk)
    if version.status not in SIMULATED_STATUSES:
        raise Conflict("Only a draft or a version pending approval can be simulated.")
    problems = policy_language.validate_rules(
        version.rules, catalog=catalog_fields(), org_slugs=member_org_slugs()
    )
    if problems:
        raise ValidationFailed(
            "The version has problems; fix them before simulating it.",
            errors=[{"field": p.path, "message": p.message} for p in problems],
        )
    changes, purged = [], 0
    for submission in decided_submissions()[:limit]:
        if submission.payload is None:
            purged += 1
            continue
        simulated = outcome_under(
            version=version,
            organization=submission.organization,
            indicator_type=submission.indicator_type,
            payload=submission.payload,
        )
        changes.append(_compare(submission, _stored_outcome(submission), simulated))
    result = SimulationResult(
        version=version,
        limit=limit,
        changes=changes,
        purged=purged,
        warnings=policy_language.free_text_warnings(version.rules, catalog=catalog_fields()),
    )
    audit_record(
        actor=actor,
        action=actions.POLICY_SIMULATED,
        obj=version,
        data={
            "number": version.number,
            "content_hash": canonical_sha256(version.rules),
            "status": version.status,
            "limit": limit,
            **result.summary(),
        },
    )
    return result
