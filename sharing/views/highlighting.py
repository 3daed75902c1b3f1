"""Present payload values with the scanner's flags marked in place (shared by the pages)."""

from __future__ import annotations

import json

from sharing.core.redaction import sentence_number, sentence_of


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
    """Return a payload value as text: a list as its items, comma-separated; numbers as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(v if isinstance(v, str) else json.dumps(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def flagged_sentences(submission) -> list[dict]:
    """Return each sentence of the original the scanner flagged, once, with its reasons."""
    original = submission.payload or {}
    found: dict[tuple, dict] = {}
    for flag in submission.flags:
        value = original.get(flag["field"])
        if isinstance(value, list):
            index = flag.get("index")
            value = value[index] if isinstance(index, int) and index < len(value) else None
        if not isinstance(value, str):
            continue
        start, end = sentence_of(value, flag["start"], flag["end"])
        entry = found.setdefault(
            (flag["field"], flag.get("index"), start, end),
            {
                "field": flag["field"],
                "index": flag.get("index"),
                "number": sentence_number(value, start),
                "sentence": value[start:end].strip(),
                "reasons": [],
            },
        )
        reason = {k: flag[k] for k in ("category", "explanation", "rule")}
        if reason not in entry["reasons"]:
            entry["reasons"].append(reason)
    return list(found.values())


def request_changes_text(sentences: list[dict]) -> str:
    """Return the prefilled reason of a request for changes: the sentences to remove.

    Sentences are named by field and number, with the reasons, never quoted: the reason of a
    decision goes into the audit log that regulators read, which never holds a value the policy
    redacts away.
    """
    if not sentences:
        return ""
    lines = ["Please remove these sentences and resubmit:"]
    for entry in sentences:
        where = entry["field"] if entry["index"] is None else f"{entry['field']}[{entry['index']}]"
        reasons = "; ".join(f"{r['category']}: {r['explanation']}" for r in entry["reasons"])
        lines.append(f"- {where}, sentence {entry['number']} ({reasons})")
    return "\n".join(lines)
