"""Present payload values with the scanner's flags marked in place (shared by the pages)."""

from __future__ import annotations

import json


def flag_segments(text: str, spans: list[dict]) -> list[dict]:
    """Split `text` into plain and flagged segments for in-place highlighting."""
    out, cursor = [], 0
    for flag in sorted(spans, key=lambda f: (f["start"], f["end"])):
        start, end = max(flag["start"], cursor), min(flag["end"], len(text))
        if start >= end:
            continue
        if start > cursor:
            out.append({"text": text[cursor:start]})
        out.append({"text": text[start:end], "flag": flag})
        cursor = end
    if cursor < len(text):
        out.append({"text": text[cursor:]})
    return out


def display_value(value) -> str:
    """Return a payload value as text (lists and numbers as JSON)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
