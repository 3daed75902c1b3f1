"""Answer 503 with Retry-After, never 500, when a request meets a lost database connection.

A database restart, a fail-over or a dropped connection surfaces as Django's OperationalError or
InterfaceError wherever the request touched the database first: token or password
authentication, the session, a view, or a middleware saving the session on the way out. The
client did nothing wrong and the same request will very likely succeed shortly, so the answer is
`503 Service Unavailable` with `Retry-After`, in the form of the surface it asked: a TAXII error
envelope under /taxii2/, the API's JSON error under /api/, the error page for people.

Nothing was half-written: the request's transaction (if it got that far) was rolled back by the
database when the connection went. This middleware must be the first in MIDDLEWARE, so that it
also sees errors raised inside the other middleware.
"""

from __future__ import annotations

import logging
import sys

from celery.exceptions import Retry
from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from config.celery import TRANSIENT_DATABASE_ERRORS

RETRY_AFTER_SECONDS = 15
_MARK = "_clearroom_database_unavailable"

logger = logging.getLogger(__name__)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """Return the 503 answer for `request`, in the form of the surface it addressed."""
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    description = (
        f"The database is unavailable for a moment; nothing was changed. "
        f"Retry after {RETRY_AFTER_SECONDS} seconds."
    )
    if request.path.startswith("/taxii2/"):
        from sharing.taxii.envelope import TaxiiError

        return TaxiiError(503, "Service unavailable", description, headers=retry).response()
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": description, "code": "unavailable"}, status=503)
    else:
        # Rendered without a request context: the context processors read the database.
        page = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = retry["Retry-After"]
    return response


def is_transient(error: BaseException | None) -> bool:
    """Return True for a database error that a retry a little later will likely not meet."""
    if isinstance(error, Retry):  # a task run eagerly (no broker) retrying such an error
        error = error.exc
    return isinstance(error, TRANSIENT_DATABASE_ERRORS)


def _mark_database_error(sender, request=None, **kwargs) -> None:
    """Note on the request that the exception Django is turning into a 500 is transient."""
    if request is not None and is_transient(sys.exc_info()[1]):
        setattr(request, _MARK, True)


class DatabaseUnavailableMiddleware:
    """Turn a transient database error anywhere in a request into a 503 with Retry-After."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        # Errors raised in another middleware never reach process_exception: Django turns them
        # into a 500 response at that middleware and signals got_request_exception first.
        got_request_exception.connect(_mark_database_error, dispatch_uid=__name__)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 500 and getattr(request, _MARK, False):
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if is_transient(exception):
            logger.warning(
                "Database unavailable during %s %s: %s", request.method, request.path, exception
            )
            return unavailable_response(request)
        return None
