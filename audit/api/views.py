"""The audit REST API: events, checkpoints, cosignatures, exports and the public key."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import keys
from audit.api.serializers import (
    CheckpointSerializer,
    CosignatureInputSerializer,
    CosignatureSerializer,
    EventFilterSerializer,
    EventSerializer,
    ExportInputSerializer,
    ExportSerializer,
    PublicKeySerializer,
)
from audit.selectors.log import (
    EventFilters,
    audit_checkpoint_list,
    audit_event_list,
    audit_export_get,
    audit_export_list,
)
from audit.services.cosignatures import audit_cosignature_add
from audit.services.exports import audit_export_download, audit_export_request
from governance.permissions import can
from governance.roles import Capability


class CanReadAudit(permissions.BasePermission):
    message = "Only counsel and regulators may read the audit log."

    def has_permission(self, request, view) -> bool:
        return can(request.user, Capability.READ_AUDIT)


class AuditAPIView:
    permission_classes = [permissions.IsAuthenticated, CanReadAudit]


class EventPagination(CursorPagination):
    ordering = "-seq"
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


class CheckpointPagination(CursorPagination):
    ordering = "-size"


class ExportPagination(CursorPagination):
    ordering = "-id"


@extend_schema(tags=["audit"], parameters=[EventFilterSerializer])
class EventListView(AuditAPIView, generics.ListAPIView):
    """List audit events, newest first, filtered by time, action, organization, actor, object."""

    serializer_class = EventSerializer
    pagination_class = EventPagination
    filter_backends: list = []

    def get_queryset(self):
        query = EventFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return audit_event_list(
            user=self.request.user, filters=EventFilters(**query.validated_data)
        )


@extend_schema(tags=["audit"])
class CheckpointListView(AuditAPIView, generics.ListAPIView):
    """List the signed checkpoints (C2SP notes) with their cosignatures, largest first."""

    serializer_class = CheckpointSerializer
    pagination_class = CheckpointPagination
    filter_backends: list = []

    def get_queryset(self):
        return audit_checkpoint_list(user=self.request.user)


class CosignatureCreateView(AuditAPIView, APIView):
    @extend_schema(
        tags=["audit"],
        request=CosignatureInputSerializer,
        responses={201: CosignatureSerializer},
        summary="Upload a regulator's cosignature/v1 of a checkpoint (verified, then stored).",
    )
    def post(self, request):
        data = CosignatureInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stored = audit_cosignature_add(actor=request.user, **data.validated_data)
        return Response(CosignatureSerializer(stored).data, status=status.HTTP_201_CREATED)


class ExportListCreateView(AuditAPIView, generics.GenericAPIView):
    serializer_class = ExportSerializer
    pagination_class = ExportPagination
    filter_backends: list = []

    def get_queryset(self):
        return audit_export_list(user=self.request.user)

    @extend_schema(tags=["audit"], responses={200: ExportSerializer(many=True)})
    def get(self, request):
        """List your organization's exports, newest first."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(tags=["audit"], request=ExportInputSerializer, responses={202: ExportSerializer})
    def post(self, request):
        """Request an export of the whole log or a seq range; it is built in the background."""
        data = ExportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        export = audit_export_request(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(export).data, status=status.HTTP_202_ACCEPTED)


class ExportDetailView(AuditAPIView, APIView):
    @extend_schema(tags=["audit"], responses={200: ExportSerializer})
    def get(self, request, export_id: int):
        """Return one export with its status and progress."""
        export = audit_export_get(user=request.user, export_id=export_id)
        return Response(ExportSerializer(export, context={"request": request}).data)


class ExportDownloadView(AuditAPIView, APIView):
    @extend_schema(
        tags=["audit"],
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, "The bundle."),
            409: OpenApiResponse(description="The export is not complete."),
        },
    )
    def get(self, request, export_id: int):
        """Download a complete export bundle (the download is an audit event)."""
        export = audit_export_get(user=request.user, export_id=export_id)
        path = audit_export_download(actor=request.user, export=export)
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=f"clearroom-audit-export-{export.pk}.zip",
            content_type="application/zip",
        )


class PublicKeyView(AuditAPIView, APIView):
    @extend_schema(tags=["audit"], responses={200: PublicKeySerializer})
    def get(self, request):
        """Return the forum's verifier key (pin it; the verifier takes it as --key)."""
        return Response(
            {
                "name": keys.key_name(),
                "key_id": keys.key_id_hex(),
                "verifier_key": keys.verifier_key_text(),
            }
        )
