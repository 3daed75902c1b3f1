"""REST API of correlation, campaigns, safety-zone statistics and policy simulation."""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import NotFound
from governance.models import PolicyVersion
from sharing.selectors.insights import (
    SeenBy,
    campaign_list,
    correlated_indicator_list,
    statistic_list,
)
from sharing.services.simulation import DEFAULT_LIMIT, MAX_LIMIT, policy_simulate
from sharing.services.statistics import statistic_compile
from sharing.stix import stix_object_id


class SeenByOutput(serializers.Serializer):
    count = serializers.IntegerField()
    organizations = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Counsel and regulators only."
    )


class CorrelatedIndicatorOutput(serializers.Serializer):
    id = serializers.UUIDField()
    stix_id = serializers.CharField()
    indicator_type = serializers.CharField()
    published_at = serializers.DateTimeField()
    seen_by = SeenByOutput(allow_null=True)


class CorrelatedIndicatorListOutput(serializers.Serializer):
    results = CorrelatedIndicatorOutput(many=True)


class CampaignIndicatorOutput(serializers.Serializer):
    id = serializers.UUIDField()
    stix_id = serializers.CharField()
    indicator_type = serializers.CharField()
    own = serializers.BooleanField()
    contributor = serializers.CharField(required=False)


class CampaignOutput(serializers.Serializer):
    reference = serializers.CharField()
    member_count = serializers.IntegerField()
    indicators = CampaignIndicatorOutput(many=True)
    organizations = serializers.ListField(child=serializers.CharField(), required=False)
    shared_tokens = serializers.ListField(child=serializers.CharField(), required=False)


class CampaignListOutput(serializers.Serializer):
    results = CampaignOutput(many=True)


class StatisticOutput(serializers.Serializer):
    name = serializers.CharField()
    min_contributors = serializers.IntegerField()
    max_contributor_share = serializers.CharField()
    min_age_days = serializers.IntegerField()
    status = serializers.CharField()
    compiled_at = serializers.DateTimeField(required=False)
    period_start = serializers.DateTimeField(required=False)
    period_end = serializers.DateTimeField(required=False)
    values = serializers.JSONField(required=False, allow_null=True)
    reasons = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Counsel only."
    )


class StatisticListOutput(serializers.Serializer):
    results = StatisticOutput(many=True)


class StatisticCompiledOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    values = serializers.JSONField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())
    data_count = serializers.IntegerField()
    contributor_count = serializers.IntegerField()


class FieldChangeOutput(serializers.Serializer):
    field = serializers.CharField()
    before = serializers.CharField(allow_null=True)
    after = serializers.CharField(allow_null=True)
    direction = serializers.CharField()


class SimulatedChangeOutput(serializers.Serializer):
    submission = serializers.UUIDField()
    organization = serializers.CharField()
    indicator_type = serializers.CharField()
    newly_refused = serializers.BooleanField()
    newly_allowed = serializers.BooleanField()
    refusal_reason = serializers.CharField(allow_blank=True)
    fields = FieldChangeOutput(many=True)
    audience_added = serializers.ListField(child=serializers.CharField())
    audience_removed = serializers.ListField(child=serializers.CharField())
    tlp = serializers.ListField(child=serializers.CharField(allow_blank=True))
    review = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    held_for_review = serializers.CharField(allow_blank=True)


class SimulationWarningOutput(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class SimulationOutput(serializers.Serializer):
    policy_version = serializers.IntegerField()
    limit = serializers.IntegerField()
    summary = serializers.JSONField()
    warnings = SimulationWarningOutput(many=True)
    changes = SimulatedChangeOutput(many=True)


def _seen_by(seen: SeenBy | None) -> dict | None:
    if seen is None:
        return None
    body: dict = {"count": seen.count}
    if seen.organizations is not None:  # oversight only
        body["organizations"] = [o.slug for o in seen.organizations]
    return body


class CorrelatedIndicatorsView(APIView):
    """List the indicators you may read that carry a disclosable "seen by N members"."""

    @extend_schema(responses=CorrelatedIndicatorListOutput)
    def get(self, request):
        return Response(
            {
                "results": [
                    {
                        "id": str(indicator.pk),
                        "stix_id": stix_object_id(indicator),
                        "indicator_type": indicator.indicator_type.key,
                        "published_at": indicator.published_at.isoformat(),
                        "seen_by": _seen_by(seen),
                    }
                    for indicator, seen in correlated_indicator_list(actor=request.user)
                ]
            }
        )


class CampaignsView(APIView):
    """List the campaigns you may see (members: counts only; oversight: full linkage)."""

    @extend_schema(responses=CampaignListOutput)
    def get(self, request):
        results = []
        for campaign in campaign_list(actor=request.user):
            body = {
                "reference": campaign.reference,
                "member_count": campaign.member_count,
                "indicators": [
                    {
                        "id": str(row.indicator.pk),
                        "stix_id": stix_object_id(row.indicator),
                        "indicator_type": row.indicator.indicator_type.key,
                        "own": row.own,
                        **({"contributor": row.contributor.slug} if row.contributor else {}),
                    }
                    for row in campaign.rows
                ],
            }
            if campaign.organizations is not None:
                body["organizations"] = [o.slug for o in campaign.organizations]
                body["shared_tokens"] = list(campaign.shared_tokens)
            results.append(body)
        return Response({"results": results})


def _statistic(view) -> dict:
    latest = view.latest
    body: dict = {
        "name": view.name,
        "min_contributors": view.spec.min_contributors,
        "max_contributor_share": str(view.spec.max_contributor_share),
        "min_age_days": view.spec.min_age_days,
        "status": latest.status if latest else "not_compiled",
    }
    if latest is not None:
        body.update(
            compiled_at=latest.compiled_at.isoformat(),
            period_start=latest.period_start.isoformat(),
            period_end=latest.period_end.isoformat(),
            values=latest.values if view.published else None,
        )
    if view.reasons is not None:  # counsel only
        body["reasons"] = view.reasons
    return body


class StatisticsView(APIView):
    """List the statistics of the policy in force with their latest compilation."""

    @extend_schema(responses=StatisticListOutput)
    def get(self, request):
        return Response({"results": [_statistic(v) for v in statistic_list(actor=request.user)]})


class StatisticCompileInput(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    period_start = serializers.DateTimeField(required=False)
    period_end = serializers.DateTimeField(required=False)


class StatisticCompileView(APIView):
    """Compile one statistic now (counsel); answer with its published values or withheld reasons."""

    @extend_schema(request=StatisticCompileInput, responses={201: StatisticCompiledOutput})
    def post(self, request):
        data = StatisticCompileInput(data=request.data)
        data.is_valid(raise_exception=True)
        start: datetime | None = data.validated_data.get("period_start")
        end: datetime | None = data.validated_data.get("period_end")
        statistic = statistic_compile(
            actor=request.user, name=data.validated_data["name"], period_start=start, period_end=end
        )
        return Response(
            {
                "id": statistic.pk,
                "name": statistic.name,
                "status": statistic.status,
                "period_start": statistic.period_start.isoformat(),
                "period_end": statistic.period_end.isoformat(),
                "values": statistic.values or None,
                "reasons": statistic.reasons,
                "data_count": statistic.data_count,
                "contributor_count": statistic.contributor_count,
            },
            status=201,
        )


class SimulationInput(serializers.Serializer):
    policy_version = serializers.IntegerField()
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)


class SimulationView(APIView):
    """Simulate a draft or pending policy version on the last N decided submissions (counsel)."""

    @extend_schema(request=SimulationInput, responses=SimulationOutput)
    def post(self, request):
        data = SimulationInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = PolicyVersion.objects.filter(pk=data.validated_data["policy_version"]).first()
        if version is None:
            raise NotFound("No such policy version.")
        result = policy_simulate(
            actor=request.user, version=version, limit=data.validated_data["limit"]
        )
        return Response(
            {
                "policy_version": version.number,
                "limit": result.limit,
                "summary": result.summary(),
                "warnings": [{"field": w.path, "message": w.message} for w in result.warnings],
                "changes": [
                    {
                        "submission": str(c.submission.pk),
                        "organization": c.submission.organization.slug,
                        "indicator_type": c.submission.indicator_type.key,
                        "newly_refused": c.newly_refused,
                        "newly_allowed": c.newly_allowed,
                        "refusal_reason": c.simulated.reason if c.simulated.refused else "",
                        "fields": [
                            {
                                "field": f.field,
                                "before": f.before,
                                "after": f.after,
                                "direction": f.direction,
                            }
                            for f in c.field_changes
                        ],
                        "audience_added": c.audience_added,
                        "audience_removed": c.audience_removed,
                        "tlp": [c.current.tlp, c.simulated.tlp],
                        "review": [c.current.review_stages, c.simulated.review_stages],
                        "held_for_review": c.simulated.held,
                    }
                    for c in result.changes
                    if c.changed
                ],
            }
        )
