"""Per-client throttling of the public pages, in Django's cache (no CAPTCHA).

A client is its address as the server sees it (`REMOTE_ADDR`; behind a proxy, the proxy sets it
from the forwarded address, see docs/membership.md). A fixed window per client: simple, and
enough to stop a script filling counsel's queue.
"""

from __future__ import annotations

import time

from django.core.cache import cache


def client_key(request) -> str:
    """Return the client identity a throttle counts by."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def throttle_hit(*, scope: str, client: str, limit: int, window_seconds: int) -> int:
    """Count one request of `client`; return 0 when allowed, else seconds until it may retry."""
    window = int(time.time() // window_seconds)
    key = f"throttle:{scope}:{client}:{window}"
    cache.add(key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this request as the first
        cache.set(key, 1, timeout=window_seconds + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, (window + 1) * window_seconds - int(time.time()))
