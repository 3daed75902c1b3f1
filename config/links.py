"""Absolute links for e-mails: a page's URL under CLEARROOM_BASE_URL."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def absolute_url(view_name: str, *args) -> str:
    """Return the absolute URL of the page `view_name` (with `args`), for an e-mail."""
    return settings.CLEARROOM_BASE_URL.rstrip("/") + reverse(view_name, args=args)
