"""Governance pages, one module per topic."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from config.errors import AccessDenied, NotFound


def governance_page(view):
    """Log the user in first, and show domain refusals as the 403 and 404 pages."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AccessDenied as exc:
            raise PermissionDenied(exc.message) from exc
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapped
