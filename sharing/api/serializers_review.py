"""Input and output serializers of the review and indicator endpoints (no logic here)."""

from __future__ import annotations

from rest_framework import serializers

from sharing.models import Decision
from sharing.stix import stix_object_id


class ReviewTaskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    submission_id = serializers.UUIDField()
    indicator_type = serializers.CharField(source="submission.indicator_type.key")
    organization = serializers.CharField(source="submission.organization.slug")
    queue = serializers.CharField(source="queue.key")
    stage = serializers.CharField()
    round = serializers.IntegerField()
    state = serializers.CharField()
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    due_at = serializers.DateTimeField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)
    flag_count = serializers.SerializerMethodField()
    decision = serializers.CharField()
    reason = serializers.CharField()
    redacted_sha256 = serializers.CharField()

    def get_flag_count(self, task) -> int:
        return len(task.submission.flags)


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    extra_redactions = serializers.DictField(
        child=serializers.CharField(), required=False, default=dict
    )


class ClaimNextInput(serializers.Serializer):
    queue = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Key of one of my queues; empty claims from every queue I review.",
    )


class ReassignInput(serializers.Serializer):
    assignee = serializers.CharField(help_text="Username of the new reviewer.")


class IndicatorOutput(serializers.Serializer):
    id = serializers.UUIDField()
    stix_id = serializers.SerializerMethodField(
        help_text="The id TAXII and the STIX export serve this indicator under."
    )
    indicator_type = serializers.CharField(source="indicator_type.key")
    redacted_payload = serializers.JSONField()
    redacted_sha256 = serializers.CharField()
    tlp = serializers.CharField()
    pap = serializers.CharField()
    contributor = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    withdrawn = serializers.SerializerMethodField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)

    def get_stix_id(self, indicator) -> str:
        return stix_object_id(indicator)

    def get_contributor(self, indicator) -> str | None:
        visible = self.context["contributor_visible"]
        return indicator.contributor.slug if visible(indicator) else None

    def get_withdrawn(self, indicator) -> bool:
        return indicator.withdrawn_at is not None


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField()


class LegalHoldInput(serializers.Serializer):
    hold = serializers.BooleanField()
    reason = serializers.CharField()


class LegalHoldOutput(serializers.Serializer):
    id = serializers.UUIDField()
    stix_id = serializers.SerializerMethodField()
    legal_hold = serializers.BooleanField(source="submission.legal_hold")

    def get_stix_id(self, indicator) -> str:
        return stix_object_id(indicator)


class MarkingInput(serializers.Serializer):
    marking = serializers.CharField(help_text='For example "TLP:AMBER" or "PAP:GREEN".')


class MarkingOutput(serializers.Serializer):
    marking = serializers.CharField()
    acknowledged_at = serializers.DateTimeField()
