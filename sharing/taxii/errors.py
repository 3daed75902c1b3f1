"""Server errors under /taxii2/ answered as TAXII error envelopes: the one place they are mapped.

A TAXII client reads every answer as `application/taxii+json;version=2.1`; a Django 500 page
(HTML, or `text/plain` with DEBUG) is unreadable to it. Views answer the errors they expect
themselves (`TaxiiError`); anything else that ends in a 5xx (an exception in a view or in a
middleware, or a 5xx another layer chose, such as a 503 for a database outage) is rewritten here,
keeping its status and its headers (`Retry-After`, the security headers), so a client gets the
error envelope of TAXII 2.1 section 3.6.1.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sharing.taxii.envelope import MEDIA_TYPE, TaxiiError

PREFIX = "/taxii2/"
# Title and description of each server error a TAXII client may get; others get the 500 text.
SERVER_ERRORS = {
    500: ("Internal server error", "The server could not answer this request."),
    502: ("Bad gateway", "An upstream server did not answer; try again later."),
    503: ("Service unavailable", "The service is unavailable for a moment; try again later."),
    504: ("Gateway timeout", "An upstream server did not answer in time; try again later."),
}
_REPLACED_HEADERS = {"content-type", "content-length", "content-encoding", "content-disposition"}


def taxii_server_error(response: HttpResponse) -> HttpResponse:
    """Return the TAXII error envelope answering a 5xx `response`, with its status and headers."""
    title, description = SERVER_ERRORS.get(response.status_code, SERVER_ERRORS[500])
    headers = {
        name: value for name, value in response.items() if name.lower() not in _REPLACED_HEADERS
    }
    return TaxiiError(response.status_code, title, description, headers=headers).response()


class TaxiiServerErrorMiddleware:
    """Rewrite any 5xx answer under /taxii2/ that is not already TAXII JSON (outermost)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 500
            and request.path.startswith(PREFIX)
            and response.get("Content-Type") != MEDIA_TYPE
        ):
            return taxii_server_error(response)
        return response
