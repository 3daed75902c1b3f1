"""Evaluate blinded elements for a member's "check my list" (threshold OPRF, #20).

A member sends blinded elements ``r·H(x)``; the forum's share holders answer ``k·r·H(x)``
(`sharing.keys.ThresholdEvaluator`), which only the member can unblind into the pseudonym of
its value. The forum learns how many elements a member evaluated, never which values: each
batch is one `oprf.evaluated` audit event with counts only. Evaluations are bounded per member
organisation by a rate per minute and a quota per day (a dictionary attack through this door
is slow and visible), both counted from those audit events.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.models import AuditEvent
from audit.services.log import audit_record
from config.errors import AccessDenied, ApplicationError, Conflict, ValidationFailed
from governance import permissions
from governance.models import Organization
from governance.roles import Capability
from sharing.core import oprf
from sharing.keys import SCHEME_OPRF, current_scheme, threshold_evaluator

_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)


class RateLimited(ApplicationError):
    """The member organisation's evaluation rate or daily quota is used up for now."""

    status_code = 429
    default_code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, extra={"retry_after": retry_after})
        self.retry_after = retry_after


class HoldersUnavailable(ApplicationError):
    """Fewer share holders than the threshold answered: nobody can evaluate now."""

    status_code = 503
    default_code = "holders_unavailable"


@dataclass(frozen=True)
class Evaluation:
    """The evaluated elements of one batch, in request order, and what the quota has left."""

    key_id: str
    evaluated: list[bytes]
    quota_remaining: int


def evaluation_organization(actor) -> Organization:
    """Return the member organisation `actor` evaluates for; AccessDenied for anyone else."""
    for organization in permissions.organizations_with(actor, Capability.READ_FEED):
        if organization.is_member:
            return organization
    raise AccessDenied("Only members that read the feed may check their lists.")


def _usage(organization: Organization, now: datetime) -> list[tuple[datetime, int]]:
    rows = AuditEvent.objects.filter(
        action=actions.OPRF_EVALUATED, actor_org=organization.slug, recorded_at__gte=now - _DAY
    ).values_list("recorded_at", "data")
    return sorted((at, int(data.get("elements", 0))) for at, data in rows)


def _wait(usage, now: datetime, window: timedelta, limit: int, wanted: int) -> int | None:
    """Return seconds until `wanted` more fit under `limit` in `window`; None when they fit."""
    inside = [(at, n) for at, n in usage if at > now - window]
    used = sum(n for _, n in inside)
    if used + wanted <= limit:
        return None
    for at, n in inside:  # oldest first: each batch frees its count when it leaves the window
        used -= n
        if used + wanted <= limit:
            return max(1, math.ceil((at + window - now).total_seconds()))
    return max(1, math.ceil(window.total_seconds()))


def _check_limits(organization: Organization, wanted: int) -> int:
    """Raise RateLimited when `wanted` elements exceed the rate or quota; return quota left."""
    now = timezone.now()
    usage = _usage(organization, now)
    rate = settings.CLEARROOM_OPRF_RATE_PER_MINUTE
    quota = settings.CLEARROOM_OPRF_QUOTA_PER_DAY
    wait = _wait(usage, now, _MINUTE, rate, wanted)
    if wait is not None:
        raise RateLimited(
            f"Your organisation may evaluate {rate} elements per minute.", retry_after=wait
        )
    wait = _wait(usage, now, _DAY, quota, wanted)
    if wait is not None:
        raise RateLimited(
            f"Your organisation's daily quota of {quota} evaluations is used up.",
            retry_after=wait,
        )
    return quota - sum(n for _, n in usage) - wanted


def _elements(blinded_elements: Sequence[bytes]) -> list[bytes]:
    limit = settings.CLEARROOM_OPRF_MAX_BATCH
    if not blinded_elements:
        raise ValidationFailed(
            "Send at least one blinded element.",
            errors=[{"field": "blinded_elements", "message": "empty"}],
        )
    if len(blinded_elements) > limit:
        raise ValidationFailed(
            f"Send at most {limit} blinded elements per request.",
            errors=[{"field": "blinded_elements", "message": f"more than {limit}"}],
        )
    for index, element in enumerate(blinded_elements):
        try:
            oprf.deserialize_element(element)
        except oprf.OprfError:
            raise ValidationFailed(
                "A blinded element is not a ristretto255 element.",
                errors=[{"field": f"blinded_elements[{index}]", "message": "not a group element"}],
            ) from None
    return list(blinded_elements)


def oprf_evaluate(*, actor, blinded_elements: Sequence[bytes]) -> Evaluation:
    """Evaluate a member's blinded elements under the current OPRF key, audited by count.

    The limits are checked before the evaluation (cheap refusal) and again under the
    organisation's row lock with the audit event, so concurrent batches cannot overrun them.
    """
    organization = evaluation_organization(actor)
    elements = _elements(blinded_elements)
    if current_scheme() != SCHEME_OPRF:
        raise Conflict("This forum does not pseudonymise with an OPRF key.", code="no_oprf_key")
    _check_limits(organization, len(elements))
    evaluator = threshold_evaluator(settings.CLEARROOM_PSEUDONYM_KEY_ID)
    try:
        evaluated = evaluator(elements)
    except oprf.ThresholdError:
        raise HoldersUnavailable(
            "Too few pseudonym key holders answered; try again later."
        ) from None
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        remaining = _check_limits(organization, len(elements))
        audit_record(
            actor=actor,
            organization=organization,
            action=actions.OPRF_EVALUATED,
            object_type="sharing.oprfkey",
            object_id=evaluator.key_id,
            data={"elements": len(elements), "key_id": evaluator.key_id},
        )
    return Evaluation(key_id=evaluator.key_id, evaluated=evaluated, quota_remaining=remaining)
