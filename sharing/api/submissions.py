"""Submission REST endpoints: thin wrappers over the intake service and submission selectors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_schema import cursor_page
from governance.models import ApiToken
from sharing.api import serializers_submissions as s
from sharing.core import lifecycle
from sharing.models import Source
from sharing.selectors.submissions import (
    submission_get,
    submission_list,
    submission_original_view,
    submitting_organization,
)
from sharing.services.intake import submission_create, submission_preview, submission_withdraw
from sharing.services.intake_batch import IntakeItem, IntakeResult, submission_create_many


class SubmissionPagination(CursorPagination):
    ordering = ("-created_at", "-id")


def _organization(request, slug: str | None):
    token = request.auth if isinstance(request.auth, ApiToken) else None
    return submitting_organization(
        actor=request.user, slug=slug, bound_to=token.organization if token else None
    )


def _item_errors(errors: dict) -> list[dict[str, str]]:
    return [
        {"field": "(item)" if field == "non_field_errors" else field, "message": str(message)}
        for field, messages in errors.items()
        for message in messages
    ]


class SubmissionListApi(APIView):
    @extend_schema(
        responses=cursor_page(s.SubmissionOutput, "PaginatedSubmissionList"),
        operation_id="submissions_list",
        parameters=[
            OpenApiParameter("type", str, description="indicator-type key"),
            OpenApiParameter("state", str, enum=[k for k, _ in lifecycle.STATES]),
        ],
        tags=["submissions"],
        summary="My organizations' submissions, newest first",
    )
    def get(self, request):
        filters = {key: request.query_params.get(key) for key in ("type", "state")}
        submissions = submission_list(actor=request.user, filters=filters)
        paginator = SubmissionPagination()
        page = paginator.paginate_queryset(submissions, request, view=self)
        return paginator.get_paginated_response(s.SubmissionOutput(page, many=True).data)

    @extend_schema(
        request=s.SubmissionInput,
        responses={201: s.SubmissionOutput},
        tags=["submissions"],
        summary="Submit one indicator (idempotent per client_reference)",
    )
    def post(self, request):
        serializer = s.SubmissionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        submission = submission_create(
            actor=request.user,
            organization=_organization(request, data.get("organization")),
            indicator_type=data["indicator_type"],
            payload=data["payload"],
            source=Source.API,
            client_reference=data.get("client_reference"),
        )
        return Response(s.SubmissionOutput(submission).data, status=status.HTTP_201_CREATED)


def _bulk_result(index: int, outcome: IntakeResult) -> dict:
    if outcome.error is not None:
        errors = outcome.error.errors or [{"field": "", "message": outcome.error.message}]
        return {"index": index, "errors": errors}
    submission = outcome.submission
    result = {"index": index, "id": submission.pk, "state": submission.state}
    if submission.refusal_reason:
        result["refusal_reason"] = submission.refusal_reason
    return result


class SubmissionBulkApi(APIView):
    @extend_schema(
        request=s.BulkInput,
        responses=s.BulkOutput,
        tags=["submissions"],
        summary="Submit up to 1,000 indicators; each item is accepted or reported on its own",
    )
    def post(self, request):
        serializer = s.BulkInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = _organization(request, serializer.validated_data.get("organization"))
        results: list[dict | None] = []
        items: list[IntakeItem] = []
        for index, raw in enumerate(serializer.validated_data["items"]):
            item = s.BulkItemInput(data=raw)
            if not item.is_valid():
                results.append({"index": index, "errors": _item_errors(item.errors)})
                continue
            data = item.validated_data
            results.append(None)
            items.append(
                IntakeItem(data["indicator_type"], data["payload"], data.get("client_reference"))
            )
        # One batch: each item is accepted or refused on its own, a failed one leaves nothing.
        taken = iter(
            submission_create_many(
                actor=request.user, organization=organization, items=items, source=Source.API
            )
        )
        for index, result in enumerate(results):
            if result is None:
                results[index] = _bulk_result(index, next(taken))
        accepted = sum(1 for r in results if "id" in r)
        body = {"accepted": accepted, "rejected": len(results) - accepted, "results": results}
        return Response(s.BulkOutput(body).data)


class SubmissionPreviewApi(APIView):
    @extend_schema(
        request=s.PreviewInput,
        responses=s.PreviewOutput,
        tags=["submissions"],
        summary="Show what each audience would receive, without submitting",
    )
    def post(self, request):
        serializer = s.PreviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        preview = submission_preview(
            actor=request.user,
            organization=_organization(request, data.get("organization")),
            indicator_type=data["indicator_type"],
            payload=data["payload"],
        )
        return Response(s.PreviewOutput(preview).data)


class SubmissionDetailApi(APIView):
    @extend_schema(
        responses=s.SubmissionDetailOutput,
        tags=["submissions"],
        summary="One submission of my organization, original and redacted (audited)",
    )
    def get(self, request, pk):
        submission = submission_original_view(actor=request.user, id=pk)
        return Response(s.SubmissionDetailOutput(submission).data)


class SubmissionWithdrawApi(APIView):
    @extend_schema(
        request=s.WithdrawInput,
        responses=s.SubmissionOutput,
        tags=["submissions"],
        summary="Withdraw a submission that is not yet decided",
    )
    def post(self, request, pk):
        serializer = s.WithdrawInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = submission_get(actor=request.user, id=pk)
        submission = submission_withdraw(
            actor=request.user, submission=submission, reason=serializer.validated_data["reason"]
        )
        return Response(s.SubmissionOutput(submission).data)
