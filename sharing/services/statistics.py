"""Compile safety-zone statistics: counsel triggers, the secretariat compiles, the zone decides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.services.log import audit_record
from config.errors import NotFound, ValidationFailed
from governance.permissions import memberships, require
from governance.roles import Capability, OrgKind
from governance.selectors.policy import policy_version_in_force
from sharing.core import safety_zone
from sharing.core.redaction import RedactionError, normalize_value
from sharing.models import SharedIndicator, Statistic

UNSPECIFIED = "(unspecified)"


def _observed_at(indicator: SharedIndicator) -> datetime:
    """Return when the indicator's data was observed: its earliest datetime field, else publication.

    The age condition is about the data, not about when it reached the forum.
    """
    moments = []
    for spec in indicator.indicator_type.fields:
        value = (indicator.redacted_payload or {}).get(spec["name"])
        if spec["datatype"] != "datetime" or not isinstance(value, str):
            continue
        try:
            moments.append(datetime.fromisoformat(normalize_value(value, "datetime")))
        except (RedactionError, ValueError):
            continue
    return min(moments) if moments else indicator.published_at


def _technique(indicator: SharedIndicator, spec: safety_zone.AggregateSpec) -> str:
    if spec.technique_field is None:
        return indicator.indicator_type.key if spec.type is None else indicator.indicator_type.name
    value = (indicator.redacted_payload or {}).get(spec.technique_field)
    return str(value) if isinstance(value, (str, int)) and str(value) else UNSPECIFIED


def statistic_data(spec: safety_zone.AggregateSpec) -> list[safety_zone.Datum]:
    """Return the published indicators a statistic counts (withdrawn ones never count)."""
    indicators = SharedIndicator.objects.filter(withdrawn_at__isnull=True).select_related(
        "indicator_type"
    )
    if spec.type is not None:
        indicators = indicators.filter(indicator_type__key=spec.type)
    return [
        safety_zone.Datum(
            contributor=indicator.contributor_id,
            observed_at=_observed_at(indicator),
            technique=_technique(indicator, spec),
        )
        for indicator in indicators
    ]


def _compiled_by_secretariat(actor) -> bool:
    return any(
        m.organization.kind == OrgKind.SECRETARIAT and m.role == "counsel"
        for m in memberships(actor)
    )


@transaction.atomic
def statistic_compile(
    *,
    actor,
    name: str,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
    now: datetime | None = None,
) -> Statistic:
    """Compile statistic `name` of the policy in force for a period; record published or withheld.

    The default period is the last twelve full weeks whose data is old enough. The result is
    kept either way, with the reasons when it is withheld, and audited.
    """
    require(actor, Capability.APPROVE_POLICY)
    version = policy_version_in_force()
    aggregates = (version.rules.get("aggregates") or {}) if version else {}
    if name not in aggregates:
        raise NotFound(f"The policy in force defines no statistic {name!r}.")
    spec = safety_zone.AggregateSpec.from_rules(name, aggregates[name])
    now = now or timezone.now()
    if (period_start is None) != (period_end is None):
        raise ValidationFailed(
            "Give both ends of the period, or neither.",
            errors=[{"field": "period_end", "message": "give both ends of the period"}],
        )
    if period_start is None:
        period_start, period_end = safety_zone.default_period(now, spec.min_age_days)
    if period_end <= period_start:
        raise ValidationFailed(
            "The period must end after it starts.",
            errors=[{"field": "period_end", "message": "must be after the start"}],
        )
    evaluation = safety_zone.evaluate(
        spec,
        statistic_data(spec),
        period_start=period_start,
        period_end=period_end,
        now=now,
        compiled_by_secretariat=_compiled_by_secretariat(actor),
    )
    statistic = Statistic.objects.create(
        name=name,
        policy_version=version,
        status=Statistic.Status.PUBLISHED if evaluation.published else Statistic.Status.WITHHELD,
        period_start=period_start,
        period_end=period_end,
        values=evaluation.values,
        reasons=[r.as_dict() for r in evaluation.reasons],
        data_count=evaluation.data_count,
        contributor_count=evaluation.contributor_count,
        compiled_by=actor,
        compiled_at=now,
    )
    data: dict[str, Any] = {
        "name": name,
        "status": statistic.status,
        "policy_version": version.number,
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "failed_conditions": [r.condition for r in evaluation.reasons],
        "data_count": evaluation.data_count,
        "contributor_count": evaluation.contributor_count,
    }
    audit_record(actor=actor, action=actions.STATISTIC_COMPILED, obj=statistic, data=data)
    return statistic
