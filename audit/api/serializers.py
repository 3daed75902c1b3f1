"""Input and output serializers of the audit API (no logic: services and selectors do it)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from audit.actions import ALL_ACTIONS
from audit.models import AuditCheckpoint, AuditCosignature, AuditEvent, AuditExport


class EventFilterSerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False, help_text="Recorded at or after.")
    until = serializers.DateTimeField(required=False, help_text="Recorded at or before.")
    action = serializers.ChoiceField(choices=sorted(ALL_ACTIONS), required=False)
    organization = serializers.SlugField(required=False, help_text="Actor's organization slug.")
    actor = serializers.CharField(required=False, max_length=150, help_text="Actor username.")
    object_type = serializers.CharField(required=False, max_length=64)
    object_id = serializers.CharField(required=False, max_length=64)


class EventSerializer(serializers.ModelSerializer):
    data = serializers.JSONField()

    class Meta:
        model = AuditEvent
        fields = [
            "seq", "recorded_at", "actor_user_id", "actor_username", "actor_org", "actor_role",
            "action", "object_type", "object_id", "data", "prev_hash", "leaf_hash",
        ]  # fmt: skip


class CosignatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditCosignature
        fields = ["name", "key_id", "timestamp", "signature_line", "organization_slug"]


class CheckpointSerializer(serializers.ModelSerializer):
    cosignatures = CosignatureSerializer(many=True, read_only=True)

    class Meta:
        model = AuditCheckpoint
        fields = ["size", "root_hash", "origin", "key_id", "note", "created_at", "cosignatures"]


class CosignatureInputSerializer(serializers.Serializer):
    checkpoint_size = serializers.IntegerField(min_value=1)
    verifier_key = serializers.CharField(max_length=500)
    cosignature = serializers.CharField(
        max_length=20_000,
        help_text="The cosignature/v1 signature line, or the whole cosigned checkpoint note.",
    )


class ExportInputSerializer(serializers.Serializer):
    from_seq = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    to_seq = serializers.IntegerField(min_value=0, required=False, allow_null=True)


class ExportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = AuditExport
        fields = [
            "id", "requested_by_username", "organization_slug", "from_seq", "to_seq", "status",
            "progress", "since_size", "checkpoint_size", "event_count", "sha256", "size_bytes",
            "error", "created_at", "started_at", "finished_at", "download_url",
        ]  # fmt: skip

    def get_download_url(self, export: AuditExport) -> str | None:
        if export.status != "complete":
            return None

        url = reverse("audit_api:export-download", args=[export.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class PublicKeySerializer(serializers.Serializer):
    name = serializers.CharField()
    key_id = serializers.CharField()
    verifier_key = serializers.CharField(help_text="The text `python -m audit.core.verify` takes.")
