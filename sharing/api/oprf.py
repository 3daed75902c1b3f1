"""REST API of "check my list": evaluate a member's blinded elements (threshold OPRF, #20)."""

from __future__ import annotations

import base64
import binascii

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ValidationFailed
from sharing.services.oprf import RateLimited, oprf_evaluate


class EvaluateInput(serializers.Serializer):
    blinded_elements = serializers.ListField(
        child=serializers.CharField(max_length=64, trim_whitespace=False),
        allow_empty=False,
        help_text="Blinded ristretto255 elements r·H(x), 32 bytes each, in standard base64.",
    )


class EvaluateOutput(serializers.Serializer):
    suite = serializers.CharField(help_text="OPRF(ristretto255, SHA-512), RFC 9497 OPRF mode.")
    key_id = serializers.CharField(help_text="The key id of the pseudonym tokens: oprf:<key id>:")
    evaluated_elements = serializers.ListField(
        child=serializers.CharField(), help_text="k·B for each blinded element, in order."
    )
    quota_remaining = serializers.IntegerField(
        help_text="Evaluations your organisation has left in the last 24 hours."
    )


def _decode(texts: list[str]) -> list[bytes]:
    decoded = []
    for index, text in enumerate(texts):
        try:
            decoded.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            raise ValidationFailed(
                "A blinded element is not base64.",
                errors=[{"field": f"blinded_elements[{index}]", "message": "not base64"}],
            ) from None
    return decoded


class OprfEvaluateApi(APIView):
    @extend_schema(
        request=EvaluateInput,
        responses={
            200: EvaluateOutput,
            400: OpenApiResponse(description="Not a list of base64 ristretto255 elements."),
            403: OpenApiResponse(description="Not a member that reads the feed."),
            429: OpenApiResponse(description="Rate or daily quota used up; see Retry-After."),
        },
        operation_id="oprf_evaluate",
        tags=["check my list"],
        summary="Evaluate blinded elements under the forum's pseudonym key (clearroom-match)",
    )
    def post(self, request):
        data = EvaluateInput(data=request.data)
        data.is_valid(raise_exception=True)
        elements = _decode(data.validated_data["blinded_elements"])
        try:
            result = oprf_evaluate(actor=request.user, blinded_elements=elements)
        except RateLimited as exc:
            raise Throttled(wait=exc.retry_after, detail=exc.message) from None
        body = {
            "suite": "OPRF(ristretto255, SHA-512)",
            "key_id": result.key_id,
            "evaluated_elements": [base64.b64encode(e).decode("ascii") for e in result.evaluated],
            "quota_remaining": result.quota_remaining,
        }
        return Response(body, status=status.HTTP_200_OK)
