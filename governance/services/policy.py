"""Writes on policy versions and organization overrides; each emits its audit event.

Lifecycle: draft -> pending_approval -> approved | rejected; an approved version later becomes
superseded. From submission on, rules and content hash are frozen (here and by a database
trigger, migration 0002).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.services.log import audit_record
from config.errors import AccessDenied, Conflict, ValidationFailed
from config.jobs import enqueue_on_commit
from governance.core import policy_language
from governance.core.canonical import canonical_sha256
from governance.models import (
    IndicatorType,
    Organization,
    OrgOverride,
    Policy,
    PolicyStatus,
    PolicyVersion,
)
from governance.permissions import require
from governance.roles import Capability
from governance.selectors.catalog import catalog_fields
from governance.selectors.policy import member_org_slugs, policy_version_in_force

POLICY_KEY = "clearroom"
POLICY_NAME = "Clearroom sharing policy"


def _errors(problems: list[policy_language.PolicyError]) -> list[dict[str, str]]:
    return [{"field": p.path, "message": p.message} for p in problems]


def parse_rules(*, rules: Any = None, text: str | None = None) -> dict[str, Any]:
    """Return the rules document from a mapping or YAML text; raise ValidationFailed on bad YAML."""
    if text is not None:
        document, problems = policy_language.parse_rules_yaml(text)
        if problems:
            raise ValidationFailed("The policy is not valid YAML.", errors=_errors(problems))
        return document
    return rules


def _validate(rules: Any) -> dict[str, Any]:
    problems = policy_language.validate_rules(
        rules, catalog=catalog_fields(), org_slugs=member_org_slugs()
    )
    if problems:
        raise ValidationFailed(
            f"The policy has {len(problems)} problem{'s' if len(problems) != 1 else ''}.",
            errors=_errors(problems),
        )
    return rules


def _policy_locked() -> Policy:
    """Return the one sharing policy, locked: version numbers and approvals are serialised."""
    policy, _ = Policy.objects.get_or_create(key=POLICY_KEY, defaults={"name": POLICY_NAME})
    return Policy.objects.select_for_update().get(pk=policy.pk)


def _locked_version(version: PolicyVersion) -> PolicyVersion:
    return PolicyVersion.objects.select_for_update().get(pk=version.pk)


@transaction.atomic
def policy_version_draft_create(
    *, actor, rules: Any = None, text: str | None = None
) -> PolicyVersion:
    """Create a draft version from a rules mapping or YAML text, validated against the catalog."""
    require(actor, Capability.DRAFT_POLICY)
    document = _validate(parse_rules(rules=rules, text=text))
    policy = _policy_locked()
    last = policy.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = PolicyVersion.objects.create(
        policy=policy,
        number=last + 1,
        rules=document,
        content_hash=canonical_sha256(document),
        status=PolicyStatus.DRAFT,
        drafted_by=actor,
    )
    audit_record(
        actor=actor,
        action=actions.POLICY_VERSION_DRAFTED,
        obj=version,
        data={"number": version.number, "content_hash": version.content_hash},
    )
    return version


def _require_own_draft(actor, version: PolicyVersion) -> None:
    require(actor, Capability.DRAFT_POLICY)
    if version.drafted_by_id != actor.pk:
        # Only the drafter edits a draft: otherwise counsel could edit a draft and approve it.
        raise AccessDenied("Only the person who drafted this version may change or submit it.")
    if version.status != PolicyStatus.DRAFT:
        raise Conflict(
            f"Version {version.number} is {version.get_status_display().lower()}: "
            "its rules are frozen. Draft a new version instead."
        )


@transaction.atomic
def policy_version_draft_update(
    *, actor, version: PolicyVersion, rules: Any = None, text: str | None = None
) -> PolicyVersion:
    """Replace the rules of a draft (only its drafter, only while it is a draft)."""
    version = _locked_version(version)
    _require_own_draft(actor, version)
    document = _validate(parse_rules(rules=rules, text=text))
    new_hash = canonical_sha256(document)
    if new_hash == version.content_hash:
        return version
    previous = version.content_hash
    PolicyVersion.objects.filter(pk=version.pk).update(rules=document, content_hash=new_hash)
    version.refresh_from_db()
    audit_record(
        actor=actor,
        action=actions.POLICY_VERSION_UPDATED,
        obj=version,
        data={"number": version.number, "content_hash": new_hash, "previous_hash": previous},
    )
    return version


@transaction.atomic
def policy_version_submit(*, actor, version: PolicyVersion) -> PolicyVersion:
    """Freeze a draft's rules and hash, record the schema versions it covers, ask for approval."""
    version = _locked_version(version)
    _require_own_draft(actor, version)
    _validate(version.rules)
    covered = policy_language.types_covered(version.rules)
    schema_versions = dict(
        IndicatorType.objects.filter(key__in=covered).values_list("key", "schema_version")
    )
    PolicyVersion.objects.filter(pk=version.pk).update(
        status=PolicyStatus.PENDING_APPROVAL,
        content_hash=canonical_sha256(version.rules),
        type_schema_versions=schema_versions,
        submitted_at=timezone.now(),
    )
    version.refresh_from_db()
    audit_record(
        actor=actor,
        action=actions.POLICY_VERSION_SUBMITTED,
        obj=version,
        data={
            "number": version.number,
            "content_hash": version.content_hash,
            "type_schema_versions": schema_versions,
        },
    )
    enqueue_on_commit("governance.tasks.notify_policy_pending_task", version_id=version.pk)
    return version


def _require_decider(actor, version: PolicyVersion, statement: str) -> str:
    require(actor, Capability.APPROVE_POLICY)
    if version.drafted_by_id == actor.pk:
        raise AccessDenied("Nobody approves or rejects a policy version they drafted.")
    statement = (statement or "").strip()
    if not statement:
        raise ValidationFailed(
            "Give a statement for the decision.",
            errors=[{"field": "statement", "message": "a decision needs a statement"}],
        )
    return statement


def _require_pending(version: PolicyVersion) -> None:
    if version.status != PolicyStatus.PENDING_APPROVAL:
        raise Conflict(
            f"Version {version.number} is {version.get_status_display().lower()}, "
            "not pending approval."
        )


def _require_start_not_past(effective_from: datetime | None) -> None:
    if effective_from is not None and effective_from < timezone.now() - timedelta(seconds=5):
        raise ValidationFailed(
            "A version takes effect now or later, never in the past.",
            errors=[{"field": "effective_from", "message": "must be now or later"}],
        )


def _require_unchanged(version: PolicyVersion) -> None:
    """Refuse a version whose rules or pinned indicator-type schemas changed since submission."""
    if canonical_sha256(version.rules) != version.content_hash:
        raise Conflict("The rules no longer match the submitted content hash; refusing approval.")
    current = dict(
        IndicatorType.objects.filter(key__in=list(version.type_schema_versions)).values_list(
            "key", "schema_version"
        )
    )
    drifted = [
        key for key, pinned in version.type_schema_versions.items() if current.get(key) != pinned
    ]
    if drifted:
        raise Conflict(
            f"The schema of {', '.join(sorted(drifted))} changed after this version was "
            "submitted; reject it and submit a version for the new schema."
        )


def _versions_to_supersede(policy: Policy, version: PolicyVersion, start: datetime):
    """Lock and return the approved versions `version` ends; refuse one scheduled after `start`."""
    open_versions = list(
        PolicyVersion.objects.select_for_update()
        .filter(policy=policy, status=PolicyStatus.APPROVED)
        .exclude(pk=version.pk)
    )
    later = [v for v in open_versions if v.effective_from >= start]
    if later:
        raise Conflict(
            f"Version {later[0].number} is already scheduled from "
            f"{later[0].effective_from:%Y-%m-%d %H:%M} UTC; approve this one from a later time."
        )
    return open_versions


def _supersede(*, actor, previous: PolicyVersion, by: PolicyVersion, start: datetime) -> None:
    PolicyVersion.objects.filter(pk=previous.pk).update(
        status=PolicyStatus.SUPERSEDED, effective_until=start
    )
    audit_record(
        actor=actor,
        action=actions.POLICY_VERSION_SUPERSEDED,
        obj=previous,
        data={
            "number": previous.number,
            "superseded_by": by.number,
            "effective_until": start.isoformat(),
        },
    )


@transaction.atomic
def policy_version_approve(
    *,
    actor,
    version: PolicyVersion,
    statement: str,
    effective_from: datetime | None = None,
) -> PolicyVersion:
    """Approve a pending version: bind the approval to its hash and put it in force.

    The previous version in force ends where this one starts and becomes superseded. The policy
    row is locked first so two approvals cannot both leave their version in force.
    """
    statement = _require_decider(actor, version, statement)
    _require_start_not_past(effective_from)
    policy = Policy.objects.select_for_update().get(pk=version.policy_id)
    # "Now" is read under the lock, so a later approval always starts after an earlier one.
    now = timezone.now()
    start = max(effective_from or now, now)
    version = _locked_version(version)
    _require_pending(version)
    _require_unchanged(version)
    open_versions = _versions_to_supersede(policy, version, start)
    PolicyVersion.objects.filter(pk=version.pk).update(
        status=PolicyStatus.APPROVED,
        decided_by=actor,
        decided_at=now,
        decision_statement=statement,
        approved_hash=version.content_hash,
        effective_from=start,
    )
    version.refresh_from_db()
    audit_record(
        actor=actor,
        action=actions.POLICY_VERSION_APPROVED,
        obj=version,
        data={
            "number": version.number,
            "approved_hash": version.approved_hash,
            "effective_from": version.effective_from.isoformat(),
            "statement": statement,
            "drafted_by": version.drafted_by_id,
        },
    )
    for previous in open_versions:
        _supersede(actor=actor, previous=previous, by=version, start=start)
    return version


@transaction.atomic
def policy_version_reject(*, actor, version: PolicyVersion, statement: str) -> PolicyVersion:
    """Reject a pending version with counsel's statement."""
    statement = _require_decider(actor, version, statement)
    version = _locked_version(version)
    _require_pending(version)
    PolicyVersion.objects.filter(pk=version.pk).update(
        status=PolicyStatus.REJECTED,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_statement=statement,
    )
    version.refresh_from_db()
    audit_record(
        actor=actor,
        action=actions.POLICY_VERSION_REJECTED,
        obj=version,
        data={
            "number": version.number,
            "content_hash": version.content_hash,
            "statement": statement,
        },
    )
    return version


@transaction.atomic
def org_override_set(
    *, actor, organization: Organization, rules: Any = None, text: str | None = None
) -> OrgOverride:
    """Set `organization`'s override ({type key: partial rule}); refuse anything looser."""
    require(actor, Capability.SET_OVERRIDE, organization)
    if text is not None and not text.strip():
        document: Any = {}
    else:
        document = parse_rules(rules=rules, text=text)
    in_force = policy_version_in_force()
    if in_force is None:
        raise Conflict("No policy version is in force: there is nothing to make stricter.")
    problems = policy_language.check_override_document(
        in_force.rules,
        document,
        catalog=catalog_fields(),
        all_member_slugs=member_org_slugs(),
    )
    if problems:
        raise ValidationFailed(
            "The override would not be stricter than the policy in force.",
            errors=_errors(problems),
        )
    override = OrgOverride.objects.select_for_update().filter(organization=organization).first()
    previous = override.rules if override else {}
    if override is None:
        override = OrgOverride.objects.create(
            organization=organization, rules=document, updated_by=actor
        )
    elif previous != document:
        OrgOverride.objects.filter(pk=override.pk).update(rules=document, updated_by=actor)
        override.refresh_from_db()
    else:
        return override
    audit_record(
        actor=actor,
        action=actions.ORG_OVERRIDE_CHANGED,
        obj=override,
        organization=organization,
        data={
            "org": organization.slug,
            "content_hash": canonical_sha256(document),
            "types": sorted(document),
            "policy_version": in_force.number,
        },
    )
    return override
