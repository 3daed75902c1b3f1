"""Domain errors mapped once for server-rendered pages, and put on forms by one helper.

The REST API maps the same `ApplicationError` family in `config/api_errors.py`; pages use the
`page` decorator: `AccessDenied` is the 403 page and `NotFound` the 404 page, with the error's
message. Errors a page handles itself (a form's `ValidationFailed`, a `Conflict` shown as a
message) are caught in the view; the rest of the family reaches this mapping.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from config.errors import AccessDenied, ApplicationError, NotFound


def http_error(exc: AccessDenied | NotFound) -> Exception:
    """Return the Django exception that shows `exc` as the 404 or the 403 page."""
    if isinstance(exc, NotFound):
        return Http404(exc.message)
    return PermissionDenied(exc.message)


def page(
    view: Callable | None = None,
    *,
    allow: Callable[[object], bool] | None = None,
    refusal: str = "You may not see this page.",
    redirect_on: dict[str, str] | None = None,
):
    """Decorate a page view: log the user in, check `allow(user)`, map domain refusals.

    `redirect_on` maps an error code to the URL name a page sends the user to instead of the
    error page, with the error's message (e.g. a marking whose terms were not accepted yet).
    """
    if view is None:
        return functools.partial(page, allow=allow, refusal=refusal, redirect_on=redirect_on)

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if allow is not None and not allow(request.user):
            raise PermissionDenied(refusal)
        try:
            return view(request, *args, **kwargs)
        except (AccessDenied, NotFound) as exc:
            if redirect_on and exc.code in redirect_on:
                messages.error(request, exc.message)
                return redirect(redirect_on[exc.code])
            raise http_error(exc) from exc

    return wrapped


def form_add_errors(
    form,
    exc: ApplicationError,
    *,
    field_for: Callable[[str], str] | None = None,
    fields_only: bool = False,
) -> None:
    """Put a service's error on `form`: each `{field, message}` item next to the field it names.

    `field_for` maps an error's field path to a form field name (e.g. `payload.ip` → `ip`). An
    item naming no field of the form, or the message of an error without items, goes on the
    form as a whole, unless `fields_only` (the page shows the message itself).
    """
    items = exc.errors or [{"field": "", "message": exc.message}]
    for item in items:
        path = item.get("field") or ""
        name = field_for(path) if field_for is not None else path
        if name and name in form.fields:
            form.add_error(name, item["message"])
        elif not fields_only:
            form.add_error(None, f"{path}: {item['message']}" if path else item["message"])
