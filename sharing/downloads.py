"""Downloads of published indicators, shared by the feed page and the REST export."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.urls import reverse

from sharing import stix
from sharing.services.publication import indicators_export_record
from sharing.taxii.envelope import STIX_MEDIA_TYPE


def attachment(body: str, *, content_type: str, filename: str) -> HttpResponse:
    """Return `body` as a download named `filename`."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stix_download(request, indicators, *, filters: dict) -> HttpResponse:
    """Return the STIX bundle of `indicators` (already scoped to the reader) as a download,
    recording the export (its object ids and filters) in the audit log."""
    schema_url = request.build_absolute_uri(reverse("taxii:extension-schema"))
    bundle = stix.bundle_for(indicators, schema_url=schema_url)
    indicators_export_record(
        actor=request.user,
        stix_ids=[o["id"] for o in bundle["objects"] if o["type"] in ("indicator", "note")],
        filters=filters,
    )
    return attachment(
        json.dumps(bundle, ensure_ascii=False),
        content_type=STIX_MEDIA_TYPE,
        filename="clearroom-indicators.stix.json",
    )
