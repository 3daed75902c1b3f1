"""Input and output serializers of the submission API (shapes only; no logic, no writes)."""

from __future__ import annotations

from rest_framework import serializers

from sharing.core import lifecycle
from sharing.services.intake import MAX_CLIENT_REFERENCE_LENGTH

MAX_BULK_ITEMS = 1000


class SubmissionInput(serializers.Serializer):
    indicator_type = serializers.CharField(max_length=64)
    payload = serializers.JSONField()
    client_reference = serializers.CharField(
        max_length=MAX_CLIENT_REFERENCE_LENGTH, required=False, allow_null=True
    )
    organization = serializers.SlugField(
        required=False, help_text="Slug of the submitting organization (default: your only one)."
    )


class BulkItemInput(serializers.Serializer):
    indicator_type = serializers.CharField(max_length=64)
    payload = serializers.JSONField()
    client_reference = serializers.CharField(
        max_length=MAX_CLIENT_REFERENCE_LENGTH, required=False, allow_null=True
    )


class BulkInput(serializers.Serializer):
    organization = serializers.SlugField(required=False)
    # Items are validated one by one in the view, so one bad item does not refuse the batch.
    items = serializers.ListField(
        child=serializers.JSONField(), allow_empty=False, max_length=MAX_BULK_ITEMS
    )


class PreviewInput(serializers.Serializer):
    indicator_type = serializers.CharField(max_length=64)
    payload = serializers.JSONField()
    organization = serializers.SlugField(required=False)


class WithdrawInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ErrorItem(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class FlagOutput(serializers.Serializer):
    field = serializers.CharField()
    index = serializers.IntegerField(required=False)
    category = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    rule = serializers.CharField()
    explanation = serializers.CharField()


class ReportEntryOutput(serializers.Serializer):
    field = serializers.CharField()
    action = serializers.CharField()
    reason = serializers.CharField()
    rule = serializers.CharField(allow_null=True)


class TransitionOutput(serializers.Serializer):
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor = serializers.CharField(source="actor_username")
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class SubmissionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    organization = serializers.CharField(source="organization.slug")
    submitted_by = serializers.CharField(source="submitted_by.username")
    indicator_type = serializers.CharField(source="indicator_type.key")
    schema_version = serializers.IntegerField()
    state = serializers.ChoiceField(choices=lifecycle.STATES)
    refusal_reason = serializers.CharField()
    source = serializers.CharField()
    client_reference = serializers.CharField(allow_null=True)
    payload_sha256 = serializers.CharField()
    redacted_payload = serializers.JSONField()
    redacted_sha256 = serializers.CharField()
    redaction_report = ReportEntryOutput(many=True)
    flags = FlagOutput(many=True)
    detector_version = serializers.CharField(
        help_text="Version of the sensitive-content detector that scanned the payload."
    )
    policy_version = serializers.IntegerField(source="policy_version.number", allow_null=True)
    policy_content_hash = serializers.CharField()
    rule_path = serializers.CharField()
    tlp = serializers.CharField()
    pap = serializers.CharField()
    audience = serializers.ListField(child=serializers.CharField())
    anonymize_contributor = serializers.BooleanField()
    retention_days = serializers.IntegerField(allow_null=True)
    review_stages = serializers.ListField(child=serializers.CharField())
    review_round = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SubmissionDetailOutput(SubmissionOutput):
    payload = serializers.JSONField(
        allow_null=True, help_text="The original; null once purged. Reading it is audited."
    )
    history = TransitionOutput(many=True, source="history.all")


class BulkResultOutput(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.UUIDField(required=False)
    state = serializers.CharField(required=False)
    refusal_reason = serializers.CharField(required=False)
    errors = ErrorItem(many=True, required=False)


class BulkOutput(serializers.Serializer):
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = BulkResultOutput(many=True)


class RecipientOutput(serializers.Serializer):
    audience = serializers.CharField()
    organizations = serializers.ListField(child=serializers.CharField())
    receives = serializers.CharField()
    contributor_shown_as = serializers.CharField()


class PreviewOutput(serializers.Serializer):
    indicator_type = serializers.CharField()
    refused = serializers.BooleanField()
    refusal_reason = serializers.CharField()
    redacted_payload = serializers.JSONField()
    redaction_report = ReportEntryOutput(many=True)
    flags = FlagOutput(many=True)
    audience = serializers.ListField(child=serializers.CharField())
    tlp = serializers.CharField()
    pap = serializers.CharField()
    anonymize_contributor = serializers.BooleanField()
    review_stages = serializers.ListField(child=serializers.CharField())
    held_for_review = serializers.CharField(
        allow_blank=True,
        help_text="Why a rule without review stages would send it to origin review (or empty).",
    )
    policy_version = serializers.IntegerField(allow_null=True)
    recipients = RecipientOutput(many=True)
