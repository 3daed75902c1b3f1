"""Intake of submissions: the one path every entry point (form, API, bulk, TAXII) goes through.

Order of checks, so that bad input leaves nothing behind: permission, payload limits,
idempotency, indicator type, schema validation, then the policy. A refusal by policy is kept
(state `refused`, reason and audit event); everything before it writes nothing.

An object that passed the checks becomes a plan (`submission_plan`, `intake_plan`): what it
leaves behind, built the same way for one object and for a batch; `intake_write` writes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.services.log import audit_record
from config.errors import Conflict, NotFound, ValidationFailed
from governance.core.canonical import canonical_sha256
from governance.core.indicator_schema import validate_payload
from governance.models import IndicatorType, Organization
from governance.permissions import organizations_with, require
from governance.roles import Capability
from governance.selectors.policy import EffectiveRule, effective_rule, member_org_slugs
from sharing.core import lifecycle, scanning
from sharing.core.redaction import FieldPlan, RedactionError, redact
from sharing.keys import pseudonym_key
from sharing.models import (
    ReviewTask,
    Source,
    Stage,
    Submission,
    SubmissionTransition,
    TaskState,
)
from sharing.services.intake_plan import (
    IntakePlan,
    QueueFor,
    flag_summary,
    plan_accepted,
    plan_refused,
    plan_review,
)
from sharing.services.intake_write import plan_write, submission_by_reference
from sharing.services.publication import history_row
from sharing.services.review import hold_reason, review_queue_for
from sharing.services.watchlist import watchlist_for

MAX_PAYLOAD_BYTES = 64 * 1024
MAX_DEPTH = 5
MAX_STRING_LENGTH = 10_000
MAX_CLIENT_REFERENCE_LENGTH = 200

WITHDRAWABLE = (lifecycle.SUBMITTED, lifecycle.IN_REVIEW, lifecycle.CHANGES_REQUESTED)
SCANNED_DATATYPES = frozenset({"string", "text"})


# --------------------------------------------------------------------------------------------
# Checks that write nothing


def _limit_errors(payload: Any) -> list[dict[str, str]]:
    """Return the payload-limit problems of `payload` (size, depth, string length)."""
    try:
        encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):
        return [{"field": "payload", "message": "must be JSON data"}]
    if len(encoded) > MAX_PAYLOAD_BYTES:
        return [
            {
                "field": "payload",
                "message": f"is {len(encoded)} bytes as JSON; the limit is {MAX_PAYLOAD_BYTES}",
            }
        ]
    errors: list[dict[str, str]] = []

    def walk(value: Any, path: str, depth: int) -> None:
        if isinstance(value, (dict, list)) and depth > MAX_DEPTH:
            errors.append({"field": path, "message": f"nests deeper than {MAX_DEPTH} levels"})
            return
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}", depth + 1)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]", depth + 1)
        elif isinstance(value, str) and len(value) > MAX_STRING_LENGTH:
            errors.append(
                {
                    "field": path,
                    "message": f"is {len(value)} characters; the limit is {MAX_STRING_LENGTH}",
                }
            )

    walk(payload, "payload", 1)
    return errors


def check_source(source: str) -> None:
    if source not in Source.values:
        raise ValidationFailed(
            "Unknown source.", errors=[{"field": "source", "message": "unknown source"}]
        )


def check_client_reference(client_reference: str | None) -> str | None:
    if client_reference is None:
        return None
    if not isinstance(client_reference, str) or not client_reference.strip():
        raise ValidationFailed(
            "Invalid client reference.",
            errors=[{"field": "client_reference", "message": "must be non-empty text"}],
        )
    if len(client_reference) > MAX_CLIENT_REFERENCE_LENGTH:
        raise ValidationFailed(
            "Invalid client reference.",
            errors=[
                {
                    "field": "client_reference",
                    "message": f"is longer than {MAX_CLIENT_REFERENCE_LENGTH} characters",
                }
            ],
        )
    return client_reference


def resolve_type(indicator_type: IndicatorType | str) -> IndicatorType:
    if isinstance(indicator_type, IndicatorType):
        if indicator_type.is_active:
            return indicator_type
        key = indicator_type.key
    else:
        key = indicator_type
        found = IndicatorType.objects.filter(key=key, is_active=True).first()
        if found is not None:
            return found
    raise ValidationFailed(
        "Unknown indicator type.",
        errors=[{"field": "indicator_type", "message": f"no active indicator type {key!r}"}],
    )


def check_limits(payload: Any) -> None:
    limits = _limit_errors(payload)
    if limits:
        raise ValidationFailed("The payload is over the limits.", errors=limits)


def check_schema(indicator_type: IndicatorType, payload: Any) -> None:
    problems = validate_payload(indicator_type.fields, payload)
    if problems:
        raise ValidationFailed(
            f"The payload does not match the {indicator_type.name} schema.",
            errors=[
                {
                    "field": "payload" if p["field"] == "(payload)" else f"payload.{p['field']}",
                    "message": p["message"],
                }
                for p in problems
            ],
        )


# --------------------------------------------------------------------------------------------
# Scanning and redaction


@dataclass(frozen=True)
class Outcome:
    """What the policy makes of one payload: the redacted form, report, flags and markings."""

    redacted_payload: dict
    redaction_report: list[dict]
    flags: list[dict]
    audience: list[str]


def _memo_scanner():
    """Return `scan` remembering its answers, so redaction and flagging scan each text once."""
    answers: dict[str, list] = {}

    def scanner(text: str, *, watchlist=None) -> list:
        found = answers.get(text)
        if found is None:
            found = answers[text] = scanning.scan(text, watchlist=watchlist)
        return found

    return scanner


def scanned_texts(fields: list[dict], payload: dict) -> Iterator[tuple[str, int | None, str]]:
    """Yield (field, list index or None, text) for every value of `payload` the scanner reads."""
    for spec in fields:
        name = spec["name"]
        if spec["datatype"] not in SCANNED_DATATYPES or name not in payload:
            continue
        value = payload[name]
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, text in items:
            if isinstance(text, str):
                yield name, index, text


def _scan_flags(indicator_type: IndicatorType, payload: dict, watchlist, scanner) -> list[dict]:
    """Return the scanner's findings on every free-text value of `payload`, by field."""
    flags: list[dict] = []
    for name, index, text in scanned_texts(indicator_type.fields, payload):
        for finding in scanner(text, watchlist=watchlist):
            flag = {"field": name, **finding.to_dict()}
            if index is not None:
                flag["index"] = index
            flags.append(flag)
    return flags


def _audience(
    rule: dict, organization: Organization, members: list[str] | None = None
) -> list[str]:
    audience = rule.get("audience")
    if audience == "all_members":
        members = member_org_slugs() if members is None else members
        return [slug for slug in members if slug != organization.slug]
    if audience == "secretariat_only" or not audience:
        return []
    return list(audience)


_LOOK_UP = object()


def apply_policy(
    *,
    organization: Organization,
    indicator_type: IndicatorType,
    payload: dict,
    rule: EffectiveRule,
    watchlist: Any = _LOOK_UP,
    members: list[str] | None = None,
) -> Outcome:
    """Redact and scan `payload` under `rule`; a batch passes the organization's watchlist and
    the member slugs it looked up once."""
    if watchlist is _LOOK_UP:
        watchlist = watchlist_for(organization=organization)
    plans = [FieldPlan(*entry) for entry in rule.field_plan]
    scanner = _memo_scanner()  # one watchlist for the whole payload
    try:
        result = redact(payload, plans, key=pseudonym_key(), scanner=scanner, watchlist=watchlist)
    except RedactionError as exc:
        raise ValidationFailed(
            "The payload cannot be redacted under the policy in force.",
            errors=[{"field": "payload", "message": str(exc)}],
        ) from None
    return Outcome(
        redacted_payload=result.payload,
        redaction_report=result.report,
        flags=_scan_flags(indicator_type, payload, watchlist, scanner),
        audience=_audience(rule.rule, organization, members),
    )


def apply_rule_fields(submission: Submission, rule: EffectiveRule, outcome: Outcome) -> None:
    policy = rule.rule
    submission.redacted_payload = outcome.redacted_payload
    submission.redacted_sha256 = canonical_sha256(outcome.redacted_payload)
    submission.redaction_report = outcome.redaction_report
    submission.flags = outcome.flags
    submission.policy_version = rule.policy_version
    submission.policy_content_hash = rule.policy_version.content_hash
    submission.rule_path = rule.rule_path
    submission.rule = policy
    submission.tlp = policy.get("tlp", "")
    submission.pap = policy.get("pap", "")
    submission.audience = outcome.audience
    submission.anonymize_contributor = bool(policy.get("anonymize_contributor", False))
    submission.retention_days = policy.get("retention_days")
    submission.review_stages = list(policy.get("review") or [])


# --------------------------------------------------------------------------------------------
# Writes


def _history(submission: Submission, actor, from_state: str, to_state: str, reason: str = ""):
    SubmissionTransition.objects.create(
        **history_row(submission, actor, from_state, to_state, reason)
    )


def new_submission(
    actor, organization: Organization, itype: IndicatorType, payload, source: str, reference
) -> Submission:
    """Return the unsaved, `submitted` submission of a payload that passed the checks."""
    return Submission(
        organization=organization,
        submitted_by=actor,
        indicator_type=itype,
        schema_version=itype.schema_version,
        payload=payload,
        payload_sha256=canonical_sha256(payload),
        source=source,
        client_reference=reference,
        detector_version=scanning.DETECTOR_VERSION,
    )


def _queue_for(stage: str, organization: Organization):
    return review_queue_for(stage=stage, organization=organization)


def submission_plan(
    *,
    actor,
    organization: Organization,
    itype: IndicatorType,
    payload: dict,
    source: str,
    client_reference: str | None,
    rule: EffectiveRule | None,
    reason: str,
    now,
    queue_for: QueueFor = _queue_for,
    watchlist: Any = _LOOK_UP,
    members: list[str] | None = None,
) -> IntakePlan:
    """Return the plan of a checked payload (limits, type and schema) under `rule`: refused
    with `reason` when there is no rule, else redacted, scanned and started in review.

    Both intake paths call it; a batch passes the lookups it made once (queues, watchlist,
    members). Raise ValidationFailed or Conflict, having planned nothing, for what the policy
    or the review queues cannot take.
    """
    submission = new_submission(actor, organization, itype, payload, source, client_reference)
    if rule is None:
        return plan_refused(actor=actor, submission=submission, reason=reason, source=source)
    outcome = apply_policy(
        organization=organization,
        indicator_type=itype,
        payload=payload,
        rule=rule,
        watchlist=watchlist,
        members=members,
    )
    apply_rule_fields(submission, rule, outcome)
    return plan_accepted(
        actor=actor, submission=submission, rule=rule, source=source, now=now, queue_for=queue_for
    )


def submission_create(
    *,
    actor,
    organization: Organization,
    indicator_type: IndicatorType | str,
    payload: Any,
    source: str,
    client_reference: str | None = None,
) -> Submission:
    """Validate, scan and redact `payload`, store the submission and start its review.

    Return the existing submission when `client_reference` was already used by the
    organization. Raise ValidationFailed (writing nothing) for bad input; keep a refusal by
    policy as a `refused` submission with its reason.
    """
    require(actor, Capability.SUBMIT, organization)
    check_source(source)
    client_reference = check_client_reference(client_reference)
    check_limits(payload)
    with transaction.atomic():
        existing = submission_by_reference(organization, client_reference)
        if existing is not None:
            return existing
        itype = resolve_type(indicator_type)
        check_schema(itype, payload)
        rule, reason = effective_rule(organization=organization, indicator_type=itype)
        plan = submission_plan(
            actor=actor,
            organization=organization,
            itype=itype,
            payload=payload,
            source=source,
            client_reference=client_reference,
            rule=rule,
            reason=reason,
            now=timezone.now(),
        )
        return plan_write(plan)


def submission_preview(
    *, actor, organization: Organization, indicator_type: IndicatorType | str, payload: Any
) -> dict[str, Any]:
    """Return what each audience would receive for `payload`, writing nothing."""
    require(actor, Capability.SUBMIT, organization)
    check_limits(payload)
    itype = resolve_type(indicator_type)
    check_schema(itype, payload)
    rule, reason = effective_rule(organization=organization, indicator_type=itype)
    if rule is None:
        return _refused_preview(itype, reason)
    outcome = apply_policy(
        organization=organization, indicator_type=itype, payload=payload, rule=rule
    )
    policy = rule.rule
    stages = list(policy.get("review") or [])
    held = hold_reason(
        rule_path=rule.rule_path,
        review_stages=stages,
        flags=outcome.flags,
        redacted_payload=outcome.redacted_payload,
        fields=itype.fields,
    )
    anonymous = bool(policy.get("anonymize_contributor", False))
    return {
        "indicator_type": itype.key,
        "refused": False,
        "refusal_reason": "",
        "redacted_payload": outcome.redacted_payload,
        "redaction_report": outcome.redaction_report,
        "flags": outcome.flags,
        "audience": outcome.audience,
        "tlp": policy.get("tlp", ""),
        "pap": policy.get("pap", ""),
        "anonymize_contributor": anonymous,
        "review_stages": [Stage.ORIGIN.value] if held else stages,
        "held_for_review": held,
        "policy_version": rule.policy_version.number,
        "recipients": _preview_recipients(organization, outcome.audience, anonymous=anonymous),
    }


def _refused_preview(itype: IndicatorType, reason: str) -> dict[str, Any]:
    """Return the preview of a payload the policy refuses: the reason, nothing to receive."""
    return {
        "indicator_type": itype.key,
        "refused": True,
        "refusal_reason": reason,
        "redacted_payload": {},
        "redaction_report": [],
        "flags": [],
        "audience": [],
        "tlp": "",
        "pap": "",
        "anonymize_contributor": False,
        "review_stages": [],
        "held_for_review": "",
        "policy_version": None,
        "recipients": [],
    }


def _preview_recipients(
    organization: Organization, audience: list[str], *, anonymous: bool
) -> list[dict[str, Any]]:
    """Return who receives what of a previewed payload, and how its contributor is shown."""
    return [
        {
            "audience": "Recipient members",
            "organizations": audience,
            "receives": "redacted payload",
            "contributor_shown_as": "anonymous member" if anonymous else organization.name,
        },
        {
            "audience": "Forum secretariat",
            "organizations": [],
            "receives": "original in forum review, redacted payload once published",
            "contributor_shown_as": organization.name,
        },
        {
            "audience": "Regulators",
            "organizations": [],
            "receives": "redacted payload, redaction report and content hashes",
            "contributor_shown_as": organization.name,
        },
    ]


def _locked_own(actor, submission: Submission) -> Submission:
    """Lock `submission` for a submitter of its organization; NotFound for anybody else."""
    visible = {o.pk for o in organizations_with(actor, Capability.VIEW_OWN_SUBMISSIONS)}
    locked = Submission.objects.select_for_update().filter(pk=submission.pk).first()
    if locked is None or locked.organization_id not in visible:
        raise NotFound("No such submission.")
    require(actor, Capability.SUBMIT, locked.organization)
    return locked


@transaction.atomic
def submission_withdraw(*, actor, submission: Submission, reason: str) -> Submission:
    """Withdraw a submission that is not yet decided, on behalf of its organization."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Say why you withdraw it.",
            errors=[{"field": "reason", "message": "is required"}],
        )
    locked = _locked_own(actor, submission)
    if locked.state not in WITHDRAWABLE:
        raise Conflict(
            f"A {locked.get_state_display().lower()} submission cannot be withdrawn here."
        )
    previous = locked.apply_transition(lifecycle.WITHDRAWN)
    locked.save(update_fields=["state", "updated_at"])
    _history(locked, actor, previous, lifecycle.WITHDRAWN, reason)
    # Nobody should review what its submitter took back.
    ReviewTask.objects.filter(
        submission=locked, state__in=[TaskState.WAITING, TaskState.OPEN, TaskState.CLAIMED]
    ).update(state=TaskState.CANCELLED)
    audit_record(
        actor=actor,
        action=actions.SUBMISSION_WITHDRAWN,
        obj=locked,
        organization=locked.organization,
        data={"from_state": previous, "payload_sha256": locked.payload_sha256},
    )
    return locked


@transaction.atomic
def submission_resubmit(*, actor, submission: Submission, payload: Any) -> Submission:
    """Replace the payload of a submission whose reviewers asked for changes, and review again."""
    locked = _locked_own(actor, submission)
    if locked.state != lifecycle.CHANGES_REQUESTED:
        raise Conflict("Only a submission with changes requested can be resubmitted.")
    itype = locked.indicator_type
    if not itype.is_active:
        raise Conflict(f"{itype.name} is no longer in the catalog.")
    check_limits(payload)
    check_schema(itype, payload)
    rule, reason = effective_rule(organization=locked.organization, indicator_type=itype)
    if rule is None:
        raise Conflict(f"It cannot be resubmitted: {reason}.")
    outcome = apply_policy(
        organization=locked.organization, indicator_type=itype, payload=payload, rule=rule
    )
    previous_sha = locked.payload_sha256
    locked.payload = payload
    locked.payload_sha256 = canonical_sha256(payload)
    locked.schema_version = itype.schema_version
    locked.detector_version = scanning.DETECTOR_VERSION
    apply_rule_fields(locked, rule, outcome)
    locked.review_round += 1
    locked.save()
    plan = plan_review(submission=locked, now=timezone.now(), queue_for=_queue_for)
    if plan.tasks:
        # Anything left of an earlier round is superseded by this round.
        ReviewTask.objects.filter(
            submission=locked, state__in=[TaskState.WAITING, TaskState.OPEN, TaskState.CLAIMED]
        ).exclude(round=locked.review_round).update(state=TaskState.CANCELLED)
    audit_record(
        actor=actor,
        action=actions.SUBMISSION_RESUBMITTED,
        obj=locked,
        organization=locked.organization,
        data={
            "previous_payload_sha256": previous_sha,
            "payload_sha256": locked.payload_sha256,
            "redacted_sha256": locked.redacted_sha256,
            "policy_version": rule.policy_version.number,
            "policy_content_hash": locked.policy_content_hash,
            "review_round": locked.review_round,
            "flags": flag_summary(outcome.flags),
            "detector_version": locked.detector_version,
        },
    )
    return plan_write(plan)
