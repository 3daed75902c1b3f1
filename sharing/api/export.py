"""`GET /api/v1/indicators/export.stix`: a STIX 2.1 bundle of exactly what the caller may see."""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from sharing import stix
from sharing.downloads import stix_download
from sharing.selectors.indicators import indicator_list


def _published_after(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError({"published_after": ["Give an ISO 8601 timestamp."]}) from None
    if moment.tzinfo is None:
        raise ValidationError({"published_after": ["Give a time zone (e.g. Z)."]})
    return moment


class IndicatorExportView(APIView):
    """Export the published indicators the caller may read, with the feed's filters."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("type", str, description="Indicator type key."),
            OpenApiParameter("tlp", str, description="TLP level, e.g. AMBER or TLP:AMBER."),
            OpenApiParameter("published_after", OpenApiTypes.DATETIME),
        ],
        responses={(200, "application/stix+json;version=2.1"): OpenApiTypes.OBJECT},
    )
    def get(self, request):
        params = request.query_params
        filters: dict = {}
        if params.get("type"):
            filters["type"] = params["type"]
        if params.get("tlp"):
            try:
                filters["tlp"] = stix.normalize_level(params["tlp"], "TLP")
            except ValueError:
                raise ValidationError({"tlp": ["Unknown TLP level."]}) from None
        if params.get("published_after"):
            filters["published_after"] = _published_after(params["published_after"])
        queryset = indicator_list(actor=request.user, filters=filters)
        indicators = queryset.select_related(
            "indicator_type", "contributor", "policy_version", "submission"
        ).order_by("published_at", "id")
        return stix_download(request, indicators, filters=filters)
