"""Input and output serializers of the governance API (shapes only: no logic, no writes)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.core import indicator_schema, policy_language
from governance.models import IndicatorType, OrgOverride, PolicyVersion
from governance.selectors.catalog import catalog_fields


class FieldSpecSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField(required=False)
    datatype = serializers.CharField()
    sensitivity = serializers.CharField()
    required = serializers.BooleanField()
    many = serializers.BooleanField()
    help = serializers.CharField(required=False)
    max_length = serializers.IntegerField(required=False)
    max_items = serializers.IntegerField(required=False)
    choices = serializers.ListField(child=serializers.CharField(), required=False)
    minimum = serializers.FloatField(required=False)
    maximum = serializers.FloatField(required=False)


class IndicatorTypeOutput(serializers.ModelSerializer):
    fields = FieldSpecSerializer(many=True)

    class Meta:
        model = IndicatorType
        fields = (
            "key",
            "name",
            "description",
            "category",
            "legitimate_interest",
            "stix_pattern",
            "schema_version",
            "fields_hash",
            "fields",
        )


class IndicatorTypeDetailOutput(IndicatorTypeOutput):
    json_schema = serializers.SerializerMethodField()

    class Meta(IndicatorTypeOutput.Meta):
        fields = (*IndicatorTypeOutput.Meta.fields, "json_schema")

    def get_json_schema(self, obj: IndicatorType) -> dict:
        return indicator_schema.json_schema_for(obj.fields)


class PolicyWarningSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class PolicyVersionOutput(serializers.ModelSerializer):
    policy = serializers.SlugRelatedField(slug_field="key", read_only=True)
    warnings = serializers.SerializerMethodField()
    drafted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Null until counsel decides: say so in the schema, which cannot infer it for a read-only field.
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = PolicyVersion
        fields = (
            "id",
            "policy",
            "number",
            "status",
            "rules",
            "content_hash",
            "type_schema_versions",
            "drafted_by",
            "drafted_at",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_statement",
            "approved_hash",
            "effective_from",
            "effective_until",
            "warnings",
        )

    @extend_schema_field(PolicyWarningSerializer(many=True))
    def get_warnings(self, obj: PolicyVersion) -> list[dict]:
        """Return what counsel must know before approving (auto-published free text)."""
        # One catalog read per response, shared by every version of a list.
        if "catalog_fields" not in self.context:
            self.context["catalog_fields"] = catalog_fields()
        catalog = self.context["catalog_fields"]
        return [
            {"field": w.path, "message": w.message}
            for w in policy_language.free_text_warnings(obj.rules, catalog=catalog)
        ]


class PolicyDraftInput(serializers.Serializer):
    """A rules document, as a JSON object (`rules`) or as YAML text (`rules_yaml`)."""

    rules = serializers.JSONField(required=False)
    rules_yaml = serializers.CharField(required=False, trim_whitespace=False)

    def validate(self, attrs):
        if ("rules" in attrs) == ("rules_yaml" in attrs):
            raise serializers.ValidationError("Give exactly one of rules or rules_yaml.")
        return attrs


class ApproveInput(serializers.Serializer):
    statement = serializers.CharField(allow_blank=True)
    effective_from = serializers.DateTimeField(required=False)


class RejectInput(serializers.Serializer):
    statement = serializers.CharField(allow_blank=True)


class InForceQuery(serializers.Serializer):
    at = serializers.DateTimeField(required=False)


class OrgOverrideOutput(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    updated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = OrgOverride
        fields = ("organization", "rules", "updated_by", "updated_at")


class OrgOverrideInput(serializers.Serializer):
    rules = serializers.JSONField()
