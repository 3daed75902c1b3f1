"""Map errors to JSON once for the whole REST API: `{detail, code, errors[{field, message}]}`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    if isinstance(detail, dict):
        items: list[dict[str, str]] = []
        for key, value in detail.items():
            path = key if not prefix else f"{prefix}.{key}"
            if key == "non_field_errors":
                path = prefix
            items.extend(_flatten(value, path))
        return items
    if isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            return [{"field": prefix, "message": str(v)} for v in detail]
        items = []
        for index, value in enumerate(detail):
            items.extend(_flatten(value, f"{prefix}[{index}]" if prefix else f"[{index}]"))
        return items
    return [{"field": prefix, "message": str(detail)}]


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Return the JSON error response for `exc`."""
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        # Django refuses the body before parsing; answer in the API's JSON, not an HTML page.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {
                "detail": f"The request body is over the limit of {limit} bytes.",
                "code": "too_large",
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            {"detail": "Invalid input.", "code": "invalid", "errors": _flatten(exc.detail)},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data = {"detail": str(detail), "code": getattr(detail, "code", "error")}
    return response
