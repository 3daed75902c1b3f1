"""Governance REST endpoints: thin wrappers over the selectors and services."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import AccessDenied, NotFound
from governance.api import serializers as s
from governance.models import PolicyVersion
from governance.permissions import organizations_with
from governance.roles import Capability
from governance.selectors.catalog import indicator_type_get, indicator_type_list
from governance.selectors.policy import (
    org_override_get,
    policy_in_force_for,
    policy_version_get,
    policy_version_list,
)
from governance.services import policy as policy_services


class VersionPagination(CursorPagination):
    ordering = "-number"


class IndicatorTypeListApi(APIView):
    @extend_schema(responses=s.IndicatorTypeOutput(many=True), tags=["catalog"])
    def get(self, request):
        types = indicator_type_list(actor=request.user)
        return Response(s.IndicatorTypeOutput(types, many=True).data)


class IndicatorTypeDetailApi(APIView):
    @extend_schema(responses=s.IndicatorTypeDetailOutput, tags=["catalog"])
    def get(self, request, key: str):
        found = indicator_type_get(actor=request.user, key=key)
        return Response(s.IndicatorTypeDetailOutput(found).data)


class PolicyVersionListApi(GenericAPIView):
    pagination_class = VersionPagination
    serializer_class = s.PolicyVersionOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no real user
            return PolicyVersion.objects.none()
        return policy_version_list(actor=self.request.user)

    @extend_schema(responses=s.PolicyVersionOutput(many=True), tags=["policy"])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.PolicyVersionOutput(page, many=True).data)

    @extend_schema(
        request=s.PolicyDraftInput,
        responses={201: s.PolicyVersionOutput},
        tags=["policy"],
        summary="Create a draft version",
    )
    def post(self, request):
        data = _draft_input(request)
        version = policy_services.policy_version_draft_create(actor=request.user, **data)
        return Response(s.PolicyVersionOutput(version).data, status=status.HTTP_201_CREATED)


def _draft_input(request) -> dict:
    serializer = s.PolicyDraftInput(data=request.data)
    serializer.is_valid(raise_exception=True)
    if "rules_yaml" in serializer.validated_data:
        return {"text": serializer.validated_data["rules_yaml"]}
    return {"rules": serializer.validated_data["rules"]}


class PolicyVersionDetailApi(APIView):
    @extend_schema(responses=s.PolicyVersionOutput, tags=["policy"])
    def get(self, request, pk: int):
        version = policy_version_get(actor=request.user, pk=pk)
        return Response(s.PolicyVersionOutput(version).data)

    @extend_schema(
        request=s.PolicyDraftInput,
        responses=s.PolicyVersionOutput,
        tags=["policy"],
        summary="Replace a draft's rules",
    )
    def put(self, request, pk: int):
        version = policy_version_get(actor=request.user, pk=pk)
        version = policy_services.policy_version_draft_update(
            actor=request.user, version=version, **_draft_input(request)
        )
        return Response(s.PolicyVersionOutput(version).data)


class PolicyVersionSubmitApi(APIView):
    @extend_schema(request=None, responses=s.PolicyVersionOutput, tags=["policy"])
    def post(self, request, pk: int):
        version = policy_version_get(actor=request.user, pk=pk)
        version = policy_services.policy_version_submit(actor=request.user, version=version)
        return Response(s.PolicyVersionOutput(version).data)


class PolicyVersionApproveApi(APIView):
    @extend_schema(request=s.ApproveInput, responses=s.PolicyVersionOutput, tags=["policy"])
    def post(self, request, pk: int):
        version = policy_version_get(actor=request.user, pk=pk)
        serializer = s.ApproveInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = policy_services.policy_version_approve(
            actor=request.user, version=version, **serializer.validated_data
        )
        return Response(s.PolicyVersionOutput(version).data)


class PolicyVersionRejectApi(APIView):
    @extend_schema(request=s.RejectInput, responses=s.PolicyVersionOutput, tags=["policy"])
    def post(self, request, pk: int):
        version = policy_version_get(actor=request.user, pk=pk)
        serializer = s.RejectInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = policy_services.policy_version_reject(
            actor=request.user, version=version, **serializer.validated_data
        )
        return Response(s.PolicyVersionOutput(version).data)


class PolicyInForceApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "at", str, description="ISO 8601 date-time (default: now)", required=False
            )
        ],
        responses={200: s.PolicyVersionOutput, 404: OpenApiResponse(description="none in force")},
        tags=["policy"],
    )
    def get(self, request):
        query = s.InForceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        at = query.validated_data.get("at") or timezone.now()
        version = policy_in_force_for(actor=request.user, at=at)
        if version is None:
            raise NotFound(f"No policy version was in force at {at.isoformat()}.")
        return Response(s.PolicyVersionOutput(version).data)


def _own_override_org(user):
    found = organizations_with(user, Capability.SET_OVERRIDE)
    if not found:
        raise AccessDenied("Only a member admin manages their organization's overrides.")
    return found[0]


class OrgOverrideApi(APIView):
    @extend_schema(responses=s.OrgOverrideOutput, tags=["policy"])
    def get(self, request):
        organization = _own_override_org(request.user)
        override = org_override_get(actor=request.user, organization=organization)
        if override is None:
            return Response(
                {
                    "organization": organization.slug,
                    "rules": {},
                    "updated_by": None,
                    "updated_at": None,
                }
            )
        return Response(s.OrgOverrideOutput(override).data)

    @extend_schema(request=s.OrgOverrideInput, responses=s.OrgOverrideOutput, tags=["policy"])
    def put(self, request):
        organization = _own_override_org(request.user)
        serializer = s.OrgOverrideInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        override = policy_services.org_override_set(
            actor=request.user, organization=organization, rules=serializer.validated_data["rules"]
        )
        return Response(s.OrgOverrideOutput(override).data)
