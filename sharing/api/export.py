"""`GET /api/v1/indicators/export.stix`: a STIX 2.1 bundle of exactly what the caller may see."""

from __future__ import annotations

import json
from datetime import datetime

from django.http import HttpResponse
from django.urls import reverse
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from sharing import stix
from sharing.selectors.indicators import indicator_list
from sharing.taxii.envelope import STIX_MEDIA_TYPE


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

    def get(self, request):
        queryset = indicator_list(actor=request.user, filters={})
        params = request.query_params
        if params.get("type"):
            queryset = queryset.filter(indicator_type__key=params["type"])
        if params.get("tlp"):
            try:
                level = stix.normalize_level(params["tlp"], "TLP")
            except ValueError:
                raise ValidationError({"tlp": ["Unknown TLP level."]}) from None
            queryset = queryset.filter(tlp__in=[level, f"TLP:{level}"])
        if params.get("published_after"):
            queryset = queryset.filter(published_at__gt=_published_after(params["published_after"]))
        indicators = queryset.select_related(
            "indicator_type", "contributor", "policy_version", "submission"
        ).order_by("published_at", "id")
        schema_url = request.build_absolute_uri(reverse("taxii:extension-schema"))
        bundle = stix.bundle_for(indicators, schema_url=schema_url)
        response = HttpResponse(
            json.dumps(bundle, ensure_ascii=False), content_type=STIX_MEDIA_TYPE
        )
        response["Content-Disposition"] = 'attachment; filename="clearroom-indicators.stix.json"'
        return response
