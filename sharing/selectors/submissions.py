"""Reads on submissions, scoped to the organizations whose submissions the actor may see."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from audit import actions
from audit.services.log import audit_record, audit_recorded_since
from config.errors import AccessDenied, NotFound, ValidationFailed
from governance.models import Organization
from governance.permissions import organizations_with
from governance.roles import Capability
from sharing.core import lifecycle
from sharing.models import Submission, SubmissionTransition, WatchlistTerm

STATE_KEYS = frozenset(s for s, _ in lifecycle.STATES)


def _visible(actor) -> QuerySet[Submission]:
    orgs = [o.pk for o in organizations_with(actor, Capability.VIEW_OWN_SUBMISSIONS)]
    return Submission.objects.filter(organization_id__in=orgs).select_related(
        "organization", "submitted_by", "indicator_type", "policy_version"
    )


def submission_list(*, actor, filters: Mapping[str, Any] | None = None) -> QuerySet[Submission]:
    """Return the submissions of the actor's organizations, newest first, filtered.

    Filters: `type` (indicator-type key), `state`, `organization` (slug). Unknown values match
    nothing rather than everything.
    """
    filters = filters or {}
    qs = _visible(actor)
    if filters.get("type"):
        qs = qs.filter(indicator_type__key=filters["type"])
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("organization"):
        qs = qs.filter(organization__slug=filters["organization"])
    return qs.order_by("-created_at", "-id")


def _parse_id(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound("No such submission.") from None


def submission_get(*, actor, id: Any) -> Submission:  # noqa: A002 - the selector's public name
    """Return one submission of the actor's organizations; NotFound for any other."""
    found = _visible(actor).filter(pk=_parse_id(id)).first()
    if found is None:
        raise NotFound("No such submission.")
    return found


def submission_original_view(*, actor, id: Any) -> Submission:
    """Return a submission to show with its original payload, and audit that it was seen.

    A reload by the same person within ORIGINAL_VIEW_WINDOW is not recorded again.
    """
    submission = submission_get(actor=actor, id=id)
    if submission.payload is not None and not audit_recorded_since(
        actor=actor,
        action=actions.SUBMISSION_ORIGINAL_VIEWED,
        obj=submission,
        since=timezone.now() - lifecycle.ORIGINAL_VIEW_WINDOW,
    ):
        audit_record(
            actor=actor,
            action=actions.SUBMISSION_ORIGINAL_VIEWED,
            obj=submission,
            organization=submission.organization,
            data={"payload_sha256": submission.payload_sha256},
        )
    return submission


def submission_history(*, submission: Submission) -> QuerySet[SubmissionTransition]:
    """Return the state history of a submission the caller already obtained through a selector."""
    return SubmissionTransition.objects.filter(submission=submission).order_by("at", "id")


def watchlist_term_list(*, actor) -> QuerySet[WatchlistTerm]:
    """Return the watchlist terms (hashes and categories) of the actor's organizations."""
    orgs = [o.pk for o in organizations_with(actor, Capability.MANAGE_WATCHLIST)]
    return (
        WatchlistTerm.objects.filter(organization_id__in=orgs)
        .select_related("organization")
        .order_by("organization__slug", "-created_at")
    )


def submitting_organizations(*, actor) -> list[Organization]:
    """Return the organizations the actor may submit for."""
    return organizations_with(actor, Capability.SUBMIT)


def submitting_organization(
    *, actor, slug: str | None = None, bound_to: Organization | None = None
) -> Organization:
    """Return the organization to submit for: `slug`, else the actor's only one.

    `bound_to` is the organization of the API token in use: a token submits only for it.
    """
    allowed = submitting_organizations(actor=actor)
    if bound_to is not None:
        allowed = [o for o in allowed if o.pk == bound_to.pk]
    if not allowed:
        raise AccessDenied("You are not allowed to submit indicators.")
    if slug:
        for org in allowed:
            if org.slug == slug:
                return org
        raise AccessDenied(f"You may not submit for {slug!r}.")
    if len(allowed) > 1:
        raise ValidationFailed(
            "Say which organization you submit for.",
            errors=[{"field": "organization", "message": "is required: you submit for several"}],
        )
    return allowed[0]
