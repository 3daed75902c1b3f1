"""Content hashes: the SHA-256 of a value's RFC 8785 canonical JSON (pure, no Django)."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


def canonical_sha256(value: Any) -> str:
    """Return the hex SHA-256 of the RFC 8785 canonical JSON of `value`.

    One hash for content that must compare equal however it was written: submitted and
    redacted payloads, indicator-type field projections, policy rules.
    """
    return hashlib.sha256(rfc8785.dumps(value)).hexdigest()
