"""Roles, organization kinds and the capabilities each role grants (DESIGN.md table)."""

from __future__ import annotations

from django.db import models


class OrgKind(models.TextChoices):
    MEMBER = "member", "Member lab"
    SECRETARIAT = "secretariat", "Forum secretariat"
    REGULATOR = "regulator", "Regulator"


class Role(models.TextChoices):
    ANALYST = "analyst", "Analyst"
    MEMBER_ADMIN = "member_admin", "Member admin"
    LEGAL_REVIEWER = "legal_reviewer", "Legal reviewer"
    COUNSEL = "counsel", "Counsel"
    REGULATOR = "regulator", "Regulator"


class Capability(models.TextChoices):
    SUBMIT = "submit", "Submit indicators for own organization"
    VIEW_OWN_SUBMISSIONS = "view_own_submissions", "See own organization's submissions"
    REVIEW_ORIGIN = "review_origin", "Review the origin stage of own organization's submissions"
    REVIEW_FORUM = "review_forum", "Review the forum stage of any submission"
    DRAFT_POLICY = "draft_policy", "Draft policy versions"
    SET_OVERRIDE = "set_override", "Set own organization's stricter overrides"
    APPROVE_POLICY = "approve_policy", "Approve or reject policy versions"
    READ_FEED = "read_feed", "Read published indicators addressed to own organization"
    READ_ALL_PUBLISHED = "read_all_published", "Read published indicators of all organizations"
    READ_AUDIT = "read_audit", "Read the audit log and request exports"
    MANAGE_ORG = "manage_org", "Manage own organization's users and API tokens"
    MANAGE_WATCHLIST = "manage_watchlist", "Manage own organization's private watchlist"
    PLACE_LEGAL_HOLD = "place_legal_hold", "Place and lift legal holds"


# Which organization kind each role belongs to: a membership outside it is refused.
ROLE_ORG_KIND: dict[str, str] = {
    Role.ANALYST: OrgKind.MEMBER,
    Role.MEMBER_ADMIN: OrgKind.MEMBER,
    Role.LEGAL_REVIEWER: OrgKind.MEMBER,
    Role.COUNSEL: OrgKind.SECRETARIAT,
    Role.REGULATOR: OrgKind.REGULATOR,
}

C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ANALYST: frozenset({C.SUBMIT, C.VIEW_OWN_SUBMISSIONS, C.READ_FEED}),
    Role.MEMBER_ADMIN: frozenset(
        {
            C.SUBMIT,
            C.VIEW_OWN_SUBMISSIONS,
            C.DRAFT_POLICY,
            C.SET_OVERRIDE,
            C.READ_FEED,
            C.MANAGE_ORG,
            C.MANAGE_WATCHLIST,
        }
    ),
    Role.LEGAL_REVIEWER: frozenset({C.VIEW_OWN_SUBMISSIONS, C.REVIEW_ORIGIN, C.READ_FEED}),
    Role.COUNSEL: frozenset(
        {
            C.REVIEW_FORUM,
            C.DRAFT_POLICY,
            C.APPROVE_POLICY,
            C.READ_FEED,
            C.READ_ALL_PUBLISHED,
            C.READ_AUDIT,
            C.PLACE_LEGAL_HOLD,
        }
    ),
    Role.REGULATOR: frozenset({C.READ_ALL_PUBLISHED, C.READ_AUDIT}),
}
