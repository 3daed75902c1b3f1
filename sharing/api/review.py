"""Review-task REST endpoints: thin wrappers over the review selectors and services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_schema import cursor_page
from config.errors import ValidationFailed
from sharing.api import serializers_review as s
from sharing.selectors.review import claim_next_queues, review_task_get, review_task_list
from sharing.services import review as services


class TaskPagination(CursorPagination):
    ordering = ("due_at", "id")  # overdue first: see review_task_list
    page_size_query_param = "page_size"
    max_page_size = 200


class ReviewTaskListApi(APIView):
    @extend_schema(
        responses=cursor_page(s.ReviewTaskOutput, "PaginatedReviewTaskList"),
        operation_id="review_tasks_list",
        tags=["review"],
        parameters=[
            OpenApiParameter("queue", str),
            OpenApiParameter("type", str),
            OpenApiParameter("stage", str, enum=["origin", "forum"]),
            OpenApiParameter("flags", str, enum=["yes", "no"]),
            OpenApiParameter("older_than_hours", int),
            OpenApiParameter("mine", bool),
            OpenApiParameter("page_size", int, description="1 to 200 (default 50)"),
        ],
        summary="Open and claimed tasks of my queues (overdue first)",
    )
    def get(self, request):
        filters = {
            key: request.query_params.get(key)
            for key in ("queue", "type", "stage", "flags", "older_than_hours")
        }
        if filters["older_than_hours"] and not filters["older_than_hours"].isdigit():
            raise ValidationFailed(
                "older_than_hours must be a whole number.",
                errors=[{"field": "older_than_hours", "message": "not a whole number"}],
            )
        filters["mine"] = request.query_params.get("mine") in ("1", "true", "yes")
        tasks = review_task_list(actor=request.user, filters=filters)
        paginator = TaskPagination()
        page = paginator.paginate_queryset(tasks, request, view=self)
        return paginator.get_paginated_response(s.ReviewTaskOutput(page, many=True).data)


class ReviewTaskDetailApi(APIView):
    @extend_schema(responses=s.ReviewTaskOutput, tags=["review"])
    def get(self, request, pk: int):
        return Response(s.ReviewTaskOutput(review_task_get(actor=request.user, pk=pk)).data)


class ReviewTaskClaimApi(APIView):
    @extend_schema(request=None, responses=s.ReviewTaskOutput, tags=["review"])
    def post(self, request, pk: int):
        task = review_task_get(actor=request.user, pk=pk)
        task = services.review_task_claim(actor=request.user, task=task)
        return Response(s.ReviewTaskOutput(review_task_get(actor=request.user, pk=task.pk)).data)


class ReviewTaskClaimNextApi(APIView):
    @extend_schema(
        request=s.ClaimNextInput,
        responses={200: s.ReviewTaskOutput, 204: None},
        operation_id="review_tasks_claim_next",
        tags=["review"],
        summary="Claim the most urgent open task I may review (204 when none is left)",
    )
    def post(self, request):
        data = s.ClaimNextInput(data=request.data)
        data.is_valid(raise_exception=True)
        queues = claim_next_queues(actor=request.user, key=data.validated_data["queue"])
        task = services.review_task_claim_next(actor=request.user, queues=queues)
        if task is None:
            return Response(status=204)
        return Response(s.ReviewTaskOutput(review_task_get(actor=request.user, pk=task.pk)).data)


class ReviewTaskReleaseApi(APIView):
    @extend_schema(request=None, responses=s.ReviewTaskOutput, tags=["review"])
    def post(self, request, pk: int):
        task = review_task_get(actor=request.user, pk=pk)
        services.review_task_release(actor=request.user, task=task)
        return Response(s.ReviewTaskOutput(review_task_get(actor=request.user, pk=pk)).data)


class ReviewTaskReassignApi(APIView):
    @extend_schema(request=s.ReassignInput, responses=s.ReviewTaskOutput, tags=["review"])
    def post(self, request, pk: int):
        data = s.ReassignInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = review_task_get(actor=request.user, pk=pk)
        assignee = (
            get_user_model()
            .objects.filter(username=data.validated_data["assignee"], is_active=True)
            .first()
        )
        if assignee is None:
            raise ValidationFailed(
                "No such reviewer.", errors=[{"field": "assignee", "message": "unknown user"}]
            )
        services.review_task_reassign(actor=request.user, task=task, assignee=assignee)
        return Response(s.ReviewTaskOutput(review_task_get(actor=request.user, pk=pk)).data)


class ReviewTaskDecideApi(APIView):
    @extend_schema(request=s.DecisionInput, responses=s.ReviewTaskOutput, tags=["review"])
    def post(self, request, pk: int):
        data = s.DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = review_task_get(actor=request.user, pk=pk)
        services.review_task_decide(actor=request.user, task=task, **data.validated_data)
        return Response(s.ReviewTaskOutput(review_task_get(actor=request.user, pk=pk)).data)
