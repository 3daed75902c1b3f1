"""The answer to a locked-out login, in the language of the interface that was used.

django-axes replaces the response of any request whose credentials are locked out; pages get
the lockout page, the REST API its JSON error format and TAXII its error envelope.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sharing.taxii.envelope import TaxiiError

MESSAGE = "Too many failed log-in attempts: this account is locked for a while."


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """Return the 429 a locked-out client receives."""
    if request.path.startswith("/taxii2/"):
        return TaxiiError(429, "Locked out", MESSAGE).response()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": MESSAGE, "code": "locked_out"}, status=429)
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
