"""The shape of the forum's documents (admission criteria, antitrust charter): pure checks."""

from __future__ import annotations

import re
from typing import Any

KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_CRITERIA = 30


def _text(value: Any, path: str, limit: int, problems: list[dict[str, str]]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append({"field": path, "message": "required"})
        return ""
    if len(value) > limit:
        problems.append({"field": path, "message": f"at most {limit} characters"})
    return value.strip()


def check_criteria(content: Any) -> list[dict[str, str]]:
    """Return the problems of an admission-criteria document (empty when it is valid).

    Each criterion has a stable key (what an application cites), a title and a description
    precise enough that any applicant can tell whether it meets it.
    """
    problems: list[dict[str, str]] = []
    if not isinstance(content, dict):
        return [{"field": "", "message": "the document must be a mapping"}]
    _text(content.get("title"), "title", MAX_TITLE, problems)
    criteria = content.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        problems.append({"field": "criteria", "message": "list at least one criterion"})
        return problems
    if len(criteria) > MAX_CRITERIA:
        problems.append({"field": "criteria", "message": f"at most {MAX_CRITERIA} criteria"})
    seen: set[str] = set()
    for index, criterion in enumerate(criteria):
        path = f"criteria.{index}"
        if not isinstance(criterion, dict):
            problems.append({"field": path, "message": "each criterion is a mapping"})
            continue
        key = criterion.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            problems.append(
                {"field": f"{path}.key", "message": "lowercase letters, digits and dashes"}
            )
        elif key in seen:
            problems.append({"field": f"{path}.key", "message": f"duplicate key {key!r}"})
        else:
            seen.add(key)
        _text(criterion.get("title"), f"{path}.title", MAX_TITLE, problems)
        _text(criterion.get("description"), f"{path}.description", 2_000, problems)
    return problems


def check_charter(content: Any) -> list[dict[str, str]]:
    """Return the problems of an antitrust-charter document (empty when it is valid)."""
    problems: list[dict[str, str]] = []
    if not isinstance(content, dict):
        return [{"field": "", "message": "the document must be a mapping"}]
    _text(content.get("title"), "title", MAX_TITLE, problems)
    _text(content.get("text"), "text", MAX_TEXT, problems)
    return problems


def normalised(kind: str, content: dict[str, Any]) -> dict[str, Any]:
    """Return the document with only its known keys and stripped text (what gets hashed)."""
    if kind == "criteria":
        return {
            "title": content["title"].strip(),
            "introduction": str(content.get("introduction") or "").strip(),
            "criteria": [
                {
                    "key": c["key"],
                    "title": c["title"].strip(),
                    "description": c["description"].strip(),
                }
                for c in content["criteria"]
            ],
        }
    return {"title": content["title"].strip(), "text": content["text"].strip()}


def criteria_keys(content: dict[str, Any]) -> list[str]:
    """Return the keys of the criteria of a criteria document, in order."""
    return [c["key"] for c in content.get("criteria", [])]


def check_assessment(
    keys: list[str], assessment: Any, *, accept: bool
) -> tuple[dict[str, bool], list[dict[str, str]]]:
    """Return counsel's assessment ({key: met}) and its problems.

    Every criterion in force is marked met or not met; an acceptance needs every criterion
    met (the same bar for every applicant), and a refusal at least one not met.
    """
    problems: list[dict[str, str]] = []
    if not isinstance(assessment, dict):
        return {}, [{"field": "assessment", "message": "mark each criterion met or not met"}]
    marks: dict[str, bool] = {}
    for key in keys:
        value = assessment.get(key)
        if not isinstance(value, bool):
            problems.append({"field": f"assessment.{key}", "message": "mark it met or not met"})
        else:
            marks[key] = value
    unknown = sorted(set(assessment) - set(keys))
    for key in unknown:
        problems.append({"field": f"assessment.{key}", "message": "not a criterion in force"})
    if problems:
        return marks, problems
    if accept and not all(marks.values()):
        problems.append(
            {
                "field": "decision",
                "message": "an application is accepted only when every criterion is met",
            }
        )
    if not accept and all(marks.values()):
        problems.append(
            {
                "field": "decision",
                "message": "a refusal names at least one criterion that is not met",
            }
        )
    return marks, problems
