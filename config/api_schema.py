"""OpenAPI helpers shared by the REST API's views."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


def cursor_page(serializer_class: type[serializers.Serializer], name: str):
    """Describe one cursor-paginated page of `serializer_class` items (next, previous, results)."""
    return inline_serializer(
        name=name,
        fields={
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
