"""TAXII 2.1 endpoints: thin views over the collections module and the TAXII service."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from config.errors import AccessDenied, ApplicationError
from sharing import stix
from sharing.models import TaxiiStatus
from sharing.services.taxii import taxii_envelope_receive
from sharing.taxii import collections as taxii_collections
from sharing.taxii import tasks  # noqa: F401  (registers the batch task with Celery)
from sharing.taxii.auth import taxii_user
from sharing.taxii.envelope import (
    MAX_CONTENT_LENGTH,
    MEDIA_TYPE,
    STIX_MEDIA_TYPE,
    TaxiiError,
    accepts_taxii,
    is_taxii_content,
    taxii_response,
)


def taxii_endpoint(methods: tuple[str, ...]):
    """Wrap a view: method, Accept, authentication, and TAXII error envelopes."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise TaxiiError(
                        405, "Method not allowed", headers={"Allow": ", ".join(methods)}
                    )
                if not accepts_taxii(request):
                    raise TaxiiError(
                        406, "Not acceptable", f"This server answers {MEDIA_TYPE} only."
                    )
                user = taxii_user(request)
                return view(request, user, *args, **kwargs)
            except TaxiiError as error:
                return error.response()

        return wrapper

    return decorate


def _api_root_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("taxii:api-root"))


@taxii_endpoint(("GET",))
def discovery(request: HttpRequest, user) -> HttpResponse:
    root = _api_root_url(request)
    return taxii_response(
        {
            "title": "Clearroom TAXII 2.1",
            "description": "Threat indicators of adversarial distillation, shared by the forum.",
            "default": root,
            "api_roots": [root],
        }
    )


@taxii_endpoint(("GET",))
def api_root(request: HttpRequest, user) -> HttpResponse:
    return taxii_response(
        {
            "title": "Clearroom",
            "description": "Published indicators, one collection per audience you belong to.",
            "versions": [MEDIA_TYPE],
            "max_content_length": MAX_CONTENT_LENGTH,
        }
    )


@taxii_endpoint(("GET",))
def collection_list(request: HttpRequest, user) -> HttpResponse:
    found = taxii_collections.collection_list(actor=user)
    return taxii_response({"collections": [c.resource() for c in found]} if found else {})


@taxii_endpoint(("GET",))
def collection_detail(request: HttpRequest, user, collection_id: str) -> HttpResponse:
    collection = taxii_collections.collection_get(actor=user, collection_id=collection_id)
    return taxii_response(collection.resource())


def _date_headers(items) -> dict[str, str]:
    if not items:
        return {}
    return {
        "X-TAXII-Date-Added-First": taxii_collections.date_added(items[0][0]),
        "X-TAXII-Date-Added-Last": taxii_collections.date_added(items[-1][0]),
    }


def _envelope(page) -> dict:
    body: dict = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if page.items:
        body["objects"] = [obj for _, obj in page.items]
    return body


@taxii_endpoint(("GET", "POST"))
def objects(request: HttpRequest, user, collection_id: str) -> HttpResponse:
    collection = taxii_collections.collection_get(actor=user, collection_id=collection_id)
    if request.method == "POST":
        return _add_objects(request, user, collection)
    taxii_collections.readable(collection)
    filters = taxii_collections.parse_filters(request.GET)
    queryset = taxii_collections.collection_indicators(actor=user, collection=collection)
    page = taxii_collections.object_page(queryset, filters)
    return taxii_response(_envelope(page), headers=_date_headers(page.items))


def _single(request: HttpRequest, user, collection_id: str, object_id: str):
    collection = taxii_collections.readable(
        taxii_collections.collection_get(actor=user, collection_id=collection_id)
    )
    filters = taxii_collections.parse_filters(request.GET)
    filters = taxii_collections.ObjectFilters(
        added_after=filters.added_after,
        ids=frozenset({object_id}),
        types=filters.types,
        versions=filters.versions,
        limit=filters.limit,
        after=filters.after,
    )
    queryset = taxii_collections.collection_indicators(actor=user, collection=collection)
    page = taxii_collections.object_page(queryset, filters)
    if not page.items:
        raise TaxiiError(404, "Object not found", "No object with this id is available.")
    return page


@taxii_endpoint(("GET",))
def object_detail(request: HttpRequest, user, collection_id: str, object_id: str):
    page = _single(request, user, collection_id, object_id)
    return taxii_response(_envelope(page), headers=_date_headers(page.items))


@taxii_endpoint(("GET",))
def object_versions(request: HttpRequest, user, collection_id: str, object_id: str):
    page = _single(request, user, collection_id, object_id)
    body = {"more": page.more, "versions": [obj["modified"] for _, obj in page.items]}
    return taxii_response(body, headers=_date_headers(page.items))


@taxii_endpoint(("GET",))
def manifest(request: HttpRequest, user, collection_id: str) -> HttpResponse:
    collection = taxii_collections.readable(
        taxii_collections.collection_get(actor=user, collection_id=collection_id)
    )
    filters = taxii_collections.parse_filters(request.GET)
    queryset = taxii_collections.collection_indicators(actor=user, collection=collection)
    page = taxii_collections.object_page(queryset, filters)
    body: dict = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if page.items:
        body["objects"] = [
            {
                "id": obj["id"],
                "date_added": taxii_collections.date_added(indicator),
                "version": obj["modified"],
                "media_type": STIX_MEDIA_TYPE,
            }
            for indicator, obj in page.items
        ]
    return taxii_response(body, headers=_date_headers(page.items))


def _read_envelope(request: HttpRequest) -> list[dict]:
    if not is_taxii_content(request):
        raise TaxiiError(415, "Unsupported media type", f"Send the envelope as {MEDIA_TYPE}.")
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_CONTENT_LENGTH:
        raise TaxiiError(413, "Content too large", f"The limit is {MAX_CONTENT_LENGTH} bytes.")
    try:
        body = request.body
    except RequestDataTooBig:
        raise TaxiiError(
            413, "Content too large", f"The limit is {MAX_CONTENT_LENGTH} bytes."
        ) from None
    if len(body) > MAX_CONTENT_LENGTH:
        raise TaxiiError(413, "Content too large", f"The limit is {MAX_CONTENT_LENGTH} bytes.")
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise TaxiiError(400, "Malformed envelope", "The body is not JSON.") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
        raise TaxiiError(400, "Malformed envelope", "Send a TAXII envelope with `objects`.")
    if not envelope["objects"]:
        raise TaxiiError(400, "Malformed envelope", "The envelope has no objects.")
    for index, obj in enumerate(envelope["objects"]):
        try:
            stix.check_envelope_object(obj)
        except stix.StixMappingError as error:
            raise TaxiiError(400, "Malformed envelope", f"objects[{index}]: {error}") from None
    return envelope["objects"]


def status_resource(status: TaxiiStatus) -> dict:
    """Return the TAXII status resource of a status row."""
    return {
        "id": str(status.pk),
        "status": status.state,
        "request_timestamp": stix.stix_timestamp(status.request_timestamp),
        "total_count": status.total_count,
        "success_count": len(status.successes),
        "successes": status.successes,
        "failure_count": len(status.failures),
        "failures": status.failures,
        "pending_count": len(status.pendings),
        "pendings": status.pendings,
    }


def _add_objects(request: HttpRequest, user, collection) -> HttpResponse:
    if not collection.can_write:
        raise TaxiiError(403, "Forbidden", "You may not add objects to this collection.")
    posted = _read_envelope(request)
    try:
        status = taxii_envelope_receive(
            actor=user, organization=collection.organization, objects=posted
        )
    except AccessDenied as error:
        raise TaxiiError(403, "Forbidden", error.message) from None
    except stix.StixMappingError as error:
        raise TaxiiError(400, "Malformed envelope", str(error)) from None
    except ApplicationError as error:
        raise TaxiiError(error.status_code, "Refused", error.message) from None
    return taxii_response(status_resource(status), status=202)


@taxii_endpoint(("GET",))
def status_detail(request: HttpRequest, user, status_id: str) -> HttpResponse:
    status = taxii_collections.status_get(actor=user, status_id=status_id)
    return taxii_response(status_resource(status))


@require_safe
def extension_schema(request: HttpRequest) -> JsonResponse:
    """Serve the JSON Schema of the forum's STIX property extension (public)."""
    return JsonResponse(stix.extension_schema(), json_dumps_params={"indent": 2})
