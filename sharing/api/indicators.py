"""Published-indicator REST endpoints: the audience-scoped feed, withdrawal, legal holds,
and acknowledgement of marking terms."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_schema import cursor_page
from config.errors import AccessDenied, ValidationFailed
from sharing.api import serializers_review as s
from sharing.selectors.indicators import (
    acknowledged_markings,
    contributor_visible,
    indicator_for_hold,
    indicator_get,
    indicator_list,
    pending_markings,
)
from sharing.services.lifecycle_jobs import indicator_withdraw, legal_hold_lift, legal_hold_place
from sharing.services.publication import marking_acknowledge

# What IndicatorOutput and `contributor_visible` read: loading every column of the row and of
# its joined type (field specs, legal text) was most of a list page's time.
_LIST_COLUMNS = (
    "id", "stix_id", "redacted_payload", "redacted_sha256", "tlp", "pap", "published_at",
    "expires_at", "withdrawn_at", "anonymized", "indicator_type__key",
    "indicator_type__stix_pattern", "contributor__slug",
)  # fmt: skip


class IndicatorPagination(CursorPagination):
    ordering = ("-published_at", "-id")


def _context(request) -> dict:
    return {"contributor_visible": lambda i: contributor_visible(actor=request.user, indicator=i)}


def _filters(request) -> dict:
    filters = {"type": request.query_params.get("type"), "tlp": request.query_params.get("tlp")}
    raw = request.query_params.get("published_after")
    if raw:
        moment = parse_datetime(raw)
        if moment is None or moment.tzinfo is None:
            raise ValidationFailed(
                "published_after must be an ISO 8601 date-time with a time zone.",
                errors=[{"field": "published_after", "message": "not an aware date-time"}],
            )
        filters["published_after"] = moment
    return filters


class IndicatorListApi(APIView):
    @extend_schema(
        responses=cursor_page(s.IndicatorOutput, "PaginatedIndicatorList"),
        operation_id="indicators_list",
        tags=["indicators"],
        parameters=[
            OpenApiParameter("type", str),
            OpenApiParameter("tlp", str),
            OpenApiParameter("published_after", str, description="ISO 8601 date-time"),
        ],
        summary="Published indicators addressed to my organization",
    )
    def get(self, request):
        filters = _filters(request)
        acknowledged = acknowledged_markings(request.user)  # once for the gate and the page
        missing = pending_markings(actor=request.user, acknowledged=acknowledged)
        if missing:
            raise AccessDenied(
                "Accept the handling terms of these markings first.",
                code="marking_not_acknowledged",
                extra={"markings": missing},
            )
        paginator = IndicatorPagination()
        page = paginator.paginate_queryset(
            indicator_list(actor=request.user, filters=filters, acknowledged=acknowledged).only(
                *_LIST_COLUMNS
            ),
            request,
            view=self,
        )
        data = s.IndicatorOutput(page, many=True, context=_context(request)).data
        return paginator.get_paginated_response(data)


class IndicatorDetailApi(APIView):
    @extend_schema(responses=s.IndicatorOutput, tags=["indicators"])
    def get(self, request, pk):
        indicator = indicator_get(actor=request.user, pk=pk)
        return Response(s.IndicatorOutput(indicator, context=_context(request)).data)


class IndicatorWithdrawApi(APIView):
    @extend_schema(request=s.ReasonInput, responses=s.IndicatorOutput, tags=["indicators"])
    def post(self, request, pk):
        data = s.ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        indicator = indicator_get(actor=request.user, pk=pk)
        indicator = indicator_withdraw(
            actor=request.user, indicator=indicator, reason=data.validated_data["reason"]
        )
        indicator = indicator_get(actor=request.user, pk=indicator.pk)
        return Response(s.IndicatorOutput(indicator, context=_context(request)).data)


class IndicatorLegalHoldApi(APIView):
    @extend_schema(request=s.LegalHoldInput, responses=s.LegalHoldOutput, tags=["indicators"])
    def post(self, request, pk):
        data = s.LegalHoldInput(data=request.data)
        data.is_valid(raise_exception=True)
        indicator = indicator_for_hold(actor=request.user, pk=pk)
        service = legal_hold_place if data.validated_data["hold"] else legal_hold_lift
        service(
            actor=request.user,
            submission=indicator.submission,
            reason=data.validated_data["reason"],
        )
        return Response(s.LegalHoldOutput(indicator_for_hold(actor=request.user, pk=pk)).data)


class MarkingAcknowledgeApi(APIView):
    @extend_schema(request=s.MarkingInput, responses={201: s.MarkingOutput}, tags=["indicators"])
    def post(self, request):
        data = s.MarkingInput(data=request.data)
        data.is_valid(raise_exception=True)
        ack = marking_acknowledge(actor=request.user, marking=data.validated_data["marking"])
        return Response(s.MarkingOutput(ack).data, status=status.HTTP_201_CREATED)
