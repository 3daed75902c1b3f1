"""Reads on policy versions, the rule in force and overrides, scoped to the acting user."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from config.errors import AccessDenied, NotFound
from governance.core import policy_language
from governance.core.canonical import canonical_sha256
from governance.models import (
    IndicatorType,
    Organization,
    OrgOverride,
    PolicyStatus,
    PolicyVersion,
)
from governance.permissions import can, organizations_with
from governance.roles import Capability, OrgKind
from governance.selectors.catalog import catalog_fields

DECIDED_STATUSES = (PolicyStatus.APPROVED, PolicyStatus.SUPERSEDED, PolicyStatus.RETIRED)


def policy_version_in_force(*, at: datetime | None = None) -> PolicyVersion | None:
    """Return the approved (or since superseded/retired) version in force at `at` (default now)."""
    at = at or timezone.now()
    return (
        PolicyVersion.objects.select_related("policy", "drafted_by", "decided_by")
        .filter(status__in=DECIDED_STATUSES, effective_from__lte=at)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gt=at))
        .order_by("-effective_from", "-number")
        .first()
    )


@dataclass(frozen=True)
class EffectiveRule:
    policy_version: PolicyVersion
    type_key: str
    rule: dict
    rule_path: str
    field_plan: list
    overridden: bool


def effective_rule(
    *,
    organization: Organization,
    indicator_type: IndicatorType,
    at: datetime | None = None,
    version: PolicyVersion | None = None,
) -> tuple[EffectiveRule | None, str | None]:
    """Return the rule under which `organization` may share `indicator_type`, or why it may not.

    Deny by default: no version in force, a type the version does not share, a type whose schema
    changed after the version was approved, or an override that withdraws the type all refuse.
    With `version`, answer for that version instead of the one in force (policy simulation):
    a draft binds the catalog's current schema versions, as submitting it would.
    """
    key = indicator_type.key
    label = f"policy v{version.number}" if version is not None else "the policy in force"
    if version is None:
        version = policy_version_in_force(at=at)
        if version is None:
            return None, "no policy version is in force"
        if canonical_sha256(version.rules) != version.approved_hash:
            # The trigger forbids this; if the rules were rewritten anyway, share nothing.
            return None, f"policy v{version.number} no longer matches the hash counsel approved"
    base = policy_language.resolve_rule(version.rules, key)
    if base is None or not indicator_type.is_active:
        return None, f"{label} does not allow sharing {key}"
    pins = version.type_schema_versions or {}
    if version.status == PolicyStatus.DRAFT:
        pins = {key: indicator_type.schema_version}
    pinned = pins.get(key)
    if pinned != indicator_type.schema_version:
        return None, (
            f"{key}'s schema changed (v{indicator_type.schema_version}) after policy "
            f"v{version.number} was approved for v{pinned}: not shareable until counsel "
            "approves a version covering it"
        )
    override = (
        OrgOverride.objects.filter(organization=organization)
        .values_list("rules", flat=True)
        .first()
        or {}
    ).get(key)
    rule = base
    if override:
        rule = policy_language.apply_override(base, override)
        if rule.get("share") is not True:
            return None, f"your organization's override does not share {key}"
        looser = policy_language.is_at_least_as_strict(
            rule, base, all_member_slugs=member_org_slugs(), fields=indicator_type.fields
        )
        if looser:
            # An override checked against an older version may be looser than a newer one.
            return None, (
                f"your organization's override of {key} is looser than policy "
                f"v{version.number} ({looser[0]}): a member admin must update it"
            )
    plan = policy_language.field_plan(rule, key, indicator_type.fields)
    return (
        EffectiveRule(
            policy_version=version,
            type_key=key,
            rule=rule,
            rule_path=f"indicator_types.{key}",
            field_plan=plan,
            overridden=bool(override),
        ),
        None,
    )


def member_org_slugs() -> list[str]:
    """Return the slugs of the active member labs (the organizations an audience may name)."""
    return list(
        Organization.objects.filter(kind=OrgKind.MEMBER, is_active=True)
        .order_by("slug")
        .values_list("slug", flat=True)
    )


def _may_read_policy(actor) -> bool:
    return any(
        can(actor, cap)
        for cap in (Capability.DRAFT_POLICY, Capability.APPROVE_POLICY, Capability.READ_AUDIT)
    )


def policy_version_list(*, actor) -> QuerySet[PolicyVersion]:
    """Return every policy version, for those who draft, approve or oversee policy."""
    if not _may_read_policy(actor):
        raise AccessDenied("You are not allowed to read policy versions.")
    return PolicyVersion.objects.select_related("policy", "drafted_by", "decided_by").order_by(
        "-number"
    )


def policy_version_get(*, actor, pk: int) -> PolicyVersion:
    """Return one policy version."""
    found = policy_version_list(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"No policy version {pk}.")
    return found


def policy_in_force_for(*, actor, at: datetime | None = None) -> PolicyVersion | None:
    """Return the version in force at `at` for counsel, regulators and policy drafters."""
    if not _may_read_policy(actor):
        raise AccessDenied("You are not allowed to read the policy in force.")
    return policy_version_in_force(at=at)


def org_override_get(*, actor, organization: Organization) -> OrgOverride | None:
    """Return `organization`'s override, for its member admins."""
    if organization not in organizations_with(actor, Capability.SET_OVERRIDE):
        raise AccessDenied("You may only see your own organization's overrides.")
    return OrgOverride.objects.filter(organization=organization).first()


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def policy_files(begin: datetime, end: datetime) -> dict[str, bytes]:
    """Return `policies/<key>-v<n>.json` for each policy version in force between the times.

    A version was in force when it was approved (and possibly later superseded or retired) and
    its effective interval overlaps `begin` .. `end` (an audit export's first and last event).
    """
    versions = (
        PolicyVersion.objects.filter(
            status__in=DECIDED_STATUSES,
            effective_from__lte=end,
        )
        .exclude(effective_until__lt=begin)
        .select_related("policy", "drafted_by", "decided_by")
        .order_by("policy__key", "number")
    )
    files = {}
    for version in versions:
        document = {
            "policy": version.policy.key,
            "policy_name": version.policy.name,
            "number": version.number,
            "status": version.status,
            "content_hash": version.content_hash,
            "approved_hash": version.approved_hash,
            "drafted_by": version.drafted_by.get_username(),
            "approved_by": version.decided_by.get_username() if version.decided_by else None,
            "approved_at": _iso(version.decided_at),
            "approval_statement": version.decision_statement,
            "effective_from": _iso(version.effective_from),
            "effective_until": _iso(version.effective_until),
            "type_schema_versions": version.type_schema_versions,
            "rules": version.rules,
        }
        # Policy rules may hold decimals (e.g. max_contributor_share), which canonical JSON
        # refuses; these files are reference copies, hashed in the manifest like any other.
        text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False)
        files[f"policies/{version.policy.key}-v{version.number}.json"] = (text + "\n").encode()
    return files


def policy_text_check(*, actor, text: str) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    """Return the rules `text` holds and its problems, writing nothing (the live check).

    The same parsing and validation as saving a draft, for those who draft policy.
    """
    if not can(actor, Capability.DRAFT_POLICY):
        raise AccessDenied("You are not allowed to draft policy.")
    document, problems = policy_language.parse_rules_yaml(text)
    if not problems:
        problems = policy_language.validate_rules(
            document, catalog=catalog_fields(), org_slugs=member_org_slugs()
        )
    return (None if problems else document), [
        {"field": p.path, "message": p.message} for p in problems
    ]
