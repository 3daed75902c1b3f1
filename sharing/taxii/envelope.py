"""TAXII 2.1 media types, content negotiation, error envelopes and JSON responses."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
MAX_CONTENT_LENGTH = 5 * 1024 * 1024
_ACCEPTABLE = {"*/*", "application/*", "application/taxii+json", MEDIA_TYPE}


def _media_ranges(header: str) -> list[str]:
    ranges = []
    for item in header.split(","):
        parts = [p.strip().lower() for p in item.split(";") if p.strip()]
        if not parts:
            continue
        params = [p.replace(" ", "") for p in parts[1:] if not p.startswith("q=")]
        ranges.append(";".join([parts[0], *params]))
    return ranges


def accepts_taxii(request: HttpRequest) -> bool:
    """Return True when the Accept header allows the TAXII 2.1 media type (or is absent)."""
    header = request.headers.get("Accept", "").strip()
    if not header:
        return True
    return any(media in _ACCEPTABLE for media in _media_ranges(header))


def is_taxii_content(request: HttpRequest) -> bool:
    """Return True when the request body is declared as TAXII 2.1 JSON."""
    ranges = _media_ranges(request.headers.get("Content-Type", ""))
    return bool(ranges) and ranges[0] in {MEDIA_TYPE, "application/taxii+json"}


def taxii_response(body: dict[str, Any], status: int = 200, headers=None) -> HttpResponse:
    """Return `body` as TAXII 2.1 JSON."""
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=MEDIA_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class TaxiiError(Exception):
    """An error answered with the TAXII error message (title, description, http_status)."""

    def __init__(self, status: int, title: str, description: str = "", headers=None) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.description = description
        self.headers = headers or {}

    def response(self) -> HttpResponse:
        body: dict[str, Any] = {"title": self.title, "http_status": str(self.status)}
        if self.description:
            body["description"] = self.description
        return taxii_response(body, status=self.status, headers=self.headers)
