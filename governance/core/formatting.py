"""Render policy rules for people: YAML text and a per-type, per-field view."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from governance.core import policy_language


def rules_to_yaml(rules: Mapping[str, Any], *, header: str = "") -> str:
    """Return `rules` as YAML whose parsed form hashes exactly like `rules`."""
    body = yaml.safe_dump(
        dict(rules), sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    return header + body


def _audience(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "nobody"
    return {"all_members": "all members", "secretariat_only": "secretariat only"}.get(
        value, str(value)
    )


def rules_by_type(rules: Mapping[str, Any], types: Iterable[Any]) -> list[dict[str, Any]]:
    """Return, for every catalog type, how the rules treat it and each of its fields."""
    rows = []
    for indicator_type in types:
        rule = policy_language.resolve_rule(rules, indicator_type.key)
        sensitivity = {f["name"]: f["sensitivity"] for f in indicator_type.fields}
        plan = policy_language.field_plan(rule, indicator_type.key, indicator_type.fields)
        rows.append(
            {
                "key": indicator_type.key,
                "name": indicator_type.name,
                "shared": rule is not None,
                "audience": _audience(rule.get("audience")) if rule else "",
                "tlp": (rule or {}).get("tlp", ""),
                "pap": (rule or {}).get("pap", ""),
                "anonymize_contributor": (rule or {}).get("anonymize_contributor"),
                "review": ", ".join((rule or {}).get("review") or []) or "none (auto-publish)",
                "retention_days": (rule or {}).get("retention_days"),
                "fields": [
                    {
                        "name": name,
                        "datatype": datatype,
                        "sensitivity": sensitivity.get(name, ""),
                        "action": action,
                        "path": path,
                    }
                    for name, datatype, action, path in plan
                ],
            }
        )
    return rows
