"""One-line summaries of redacted payloads for list rows.

Pure module (no Django). A row shows the type's key fields — its first fields in catalog order
that the published form still carries, free text left out — as `Label: value`. It reads only
the redacted payload it is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_FREE_TEXT = frozenset({"text"})
_MAX_FIELDS = 3
_MAX_VALUE = 40
_TOKEN_PREFIXES = ("oprf:", "hmac:")


def _short(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_short(v) for v in value[:3]) + (" …" if len(value) > 3 else "")
    text = str(value)
    if text.startswith(_TOKEN_PREFIXES):
        # "oprf:o1:<128 hex>" -> "oprf:o1:3f2a9c1d…": enough to compare tokens by eye.
        head, _, digest = text.rpartition(":")
        return f"{head}:{digest[:8]}…"
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def summary_line(fields: Sequence[Mapping[str, Any]], payload: Mapping[str, Any]) -> str:
    """Return `Label: value · Label: value` for the type's first published key fields."""
    parts = []
    for spec in fields:
        name = spec.get("name")
        value = payload.get(name) if name else None
        if value in (None, "", []) or spec.get("datatype") in _FREE_TEXT:
            continue
        parts.append(f"{spec.get('label') or name}: {_short(value)}")
        if len(parts) == _MAX_FIELDS:
            break
    return " · ".join(parts)
