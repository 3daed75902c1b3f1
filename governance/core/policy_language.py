"""Policy language: rules documents, their validation, hashing, resolution and strictness order.

Pure module (no Django). A rules document is the content of one PolicyVersion; its shape is
RULES_SCHEMA and docs/policy-language.md explains it for member admins and counsel. Deny by
default: a type that is absent or has `share: false` is not shared, and a field with neither a
`fields` override nor a `by_sensitivity` entry for its class is dropped.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import jsonschema
import yaml

from governance.core import field_actions as fa
from governance.core.indicator_schema import SENSITIVITIES
from governance.core.schema_messages import schema_message

PROTECTED_SENSITIVITIES = frozenset({"competitive", "restricted"})
TLP_ORDER = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
PAP_ORDER = ("CLEAR", "GREEN", "AMBER", "RED")
REVIEW_STAGES = ("origin", "forum")
ALL_MEMBERS = "all_members"
SECRETARIAT_ONLY = "secretariat_only"
DEFAULT_ACTION = fa.DROP
RULE_KEYS = (
    "share",
    "audience",
    "tlp",
    "pap",
    "anonymize_contributor",
    "review",
    "retention_days",
    "by_sensitivity",
    "fields",
)
SHARED_RULE_REQUIRED = (
    "audience",
    "tlp",
    "pap",
    "anonymize_contributor",
    "review",
    "retention_days",
)

_TYPE_KEY_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
_FIELD_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
_ORG_SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
_ACTION_SCHEMA = {"type": "string", "minLength": 1, "description": "a field action"}

_RULE_PROPERTIES: dict[str, Any] = {
    "share": {"type": "boolean"},
    "audience": {
        "description": "all_members, secretariat_only or a non-empty list of organisation slugs",
        "anyOf": [
            {"enum": [ALL_MEMBERS, SECRETARIAT_ONLY]},
            {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"type": "string", "pattern": _ORG_SLUG_PATTERN},
            },
        ],
    },
    "tlp": {"enum": list(TLP_ORDER)},
    "pap": {"enum": list(PAP_ORDER)},
    "anonymize_contributor": {"type": "boolean"},
    "review": {
        "type": "array",
        "items": {"enum": list(REVIEW_STAGES)},
        "uniqueItems": True,
    },
    "retention_days": {"type": "integer", "minimum": 1, "maximum": 3650},
    "by_sensitivity": {
        "type": "object",
        "properties": {name: _ACTION_SCHEMA for name in SENSITIVITIES},
        "additionalProperties": False,
    },
    "fields": {
        "type": "object",
        "propertyNames": {"pattern": _FIELD_NAME_PATTERN},
        "additionalProperties": _ACTION_SCHEMA,
    },
}

PARTIAL_RULE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "minProperties": 1,
    "properties": _RULE_PROPERTIES,
    "additionalProperties": False,
}

RULES_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Clearroom policy rules",
    "type": "object",
    "required": ["indicator_types"],
    "additionalProperties": False,
    "properties": {
        "indicator_types": {
            "type": "object",
            "propertyNames": {"pattern": _TYPE_KEY_PATTERN},
            "additionalProperties": {
                "type": "object",
                "required": ["share"],
                "properties": _RULE_PROPERTIES,
                "additionalProperties": False,
                "if": {"properties": {"share": {"const": True}}, "required": ["share"]},
                "then": {"required": list(SHARED_RULE_REQUIRED)},
            },
        },
        "aggregates": {
            "type": "object",
            "propertyNames": {"pattern": _TYPE_KEY_PATTERN},
            "additionalProperties": {
                "type": "object",
                "required": ["min_contributors", "max_contributor_share", "min_age_days"],
                "properties": {
                    "min_contributors": {"type": "integer", "minimum": 2},
                    "max_contributor_share": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "maximum": 1,
                    },
                    "min_age_days": {"type": "integer", "minimum": 0},
                    "type": {"type": "string", "pattern": _TYPE_KEY_PATTERN},
                    "technique_field": {"type": "string", "pattern": _FIELD_NAME_PATTERN},
                },
                "additionalProperties": False,
                "dependentRequired": {"technique_field": ["type"]},
            },
        },
        "correlation": {
            "type": "object",
            "required": ["min_members"],
            "properties": {"min_members": {"type": "integer", "minimum": 2}},
            "additionalProperties": False,
        },
    },
}

OVERRIDE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Clearroom organisation override",
    "type": "object",
    "propertyNames": {"pattern": _TYPE_KEY_PATTERN},
    "additionalProperties": PARTIAL_RULE_SCHEMA,
}

# Integers are integers: 180.0 days is refused rather than silently accepted.
_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)
_RULES_VALIDATOR = _Validator(RULES_SCHEMA)
_PARTIAL_RULE_VALIDATOR = _Validator(PARTIAL_RULE_SCHEMA)


@dataclass(frozen=True)
class PolicyError:
    """One problem in a rules or override document, at a dotted path."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the error as a JSON-ready dict."""
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


# --- parsing and hashing ---------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe loader that refuses duplicate keys (YAML would silently keep the last one)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:
            continue  # unhashable key: construct_mapping reports it
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def parse_rules_yaml(text: str) -> tuple[dict[str, Any] | None, list[PolicyError]]:
    """Parse a rules document from YAML; report syntax errors at path "(yaml)" with line/column.

    Only the syntax is checked here: call validate_rules on the result.
    """
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        return None, [PolicyError("(yaml)", f"{where}{problem}")]
    except yaml.YAMLError as exc:
        return None, [PolicyError("(yaml)", str(exc))]
    if document is None:
        return None, [PolicyError("(yaml)", "the document is empty")]
    if not isinstance(document, dict):
        return None, [
            PolicyError("(yaml)", "the document must be a mapping with an indicator_types key")
        ]
    return document, []


# --- validation ------------------------------------------------------------------------------


def _dotted(parts: Sequence[Any]) -> str:
    return ".".join(str(p) for p in parts) if parts else "(root)"


def _schema_errors(validator: Any, document: Any, prefix: Sequence[Any] = ()) -> list[PolicyError]:
    errors: list[PolicyError] = []
    for error in validator.iter_errors(document):
        parts = [*prefix, *error.absolute_path]
        kind = error.validator
        if kind == "required":
            instance = error.instance if isinstance(error.instance, dict) else {}
            when = " when share is true" if "then" in error.schema_path else ""
            for name in error.validator_value:
                if name not in instance:
                    errors.append(PolicyError(_dotted([*parts, name]), f"is required{when}"))
            continue
        if kind == "additionalProperties" and error.validator_value is False:
            allowed = ", ".join(error.schema.get("properties", {}))
            for name in error.instance:
                if name not in error.schema.get("properties", {}):
                    errors.append(
                        PolicyError(_dotted([*parts, name]), f"unknown key; allowed: {allowed}")
                    )
            continue
        if kind == "dependentRequired":
            errors.append(PolicyError(_dotted(parts), "technique_field needs a type"))
            continue
        if list(error.schema_path)[-2:-1] == ["propertyNames"]:
            errors.append(PolicyError(_dotted([*parts, error.instance]), "is not a valid name"))
            continue
        errors.append(PolicyError(_dotted(parts), schema_message(error)))
    return errors


def _non_string_keys(value: Any, parts: list[Any]) -> list[PolicyError]:
    errors: list[PolicyError] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                errors.append(PolicyError(_dotted([*parts, key]), "keys must be text"))
            else:
                errors.extend(_non_string_keys(item, [*parts, key]))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            errors.extend(_non_string_keys(item, [*parts, index]))
    return errors


def _parse(text: Any) -> fa.Action | None:
    try:
        return fa.parse_action(text)
    except fa.ActionError:
        return None


def _effective_action(rule: Mapping[str, Any], spec: Mapping[str, Any]) -> Any:
    overrides = rule.get("fields")
    if isinstance(overrides, dict) and spec["name"] in overrides:
        return overrides[spec["name"]]
    defaults = rule.get("by_sensitivity")
    if isinstance(defaults, dict) and spec["sensitivity"] in defaults:
        return defaults[spec["sensitivity"]]
    return DEFAULT_ACTION


def _rule_semantic_errors(
    rule: Mapping[str, Any],
    fields: list[Mapping[str, Any]],
    parts: list[Any],
    org_slugs: Collection[str] | None,
) -> list[PolicyError]:
    errors: list[PolicyError] = []
    specs = {f["name"]: f for f in fields}
    audience = rule.get("audience")
    if org_slugs is not None and isinstance(audience, list):
        for index, slug in enumerate(audience):
            if isinstance(slug, str) and slug not in org_slugs:
                errors.append(
                    PolicyError(
                        _dotted([*parts, "audience", index]), f"unknown organisation {slug!r}"
                    )
                )
    review = rule.get("review")
    if isinstance(review, list) and review == ["forum", "origin"]:
        errors.append(
            PolicyError(_dotted([*parts, "review"]), "stages run in the order origin, forum")
        )
    overrides = rule.get("fields") if isinstance(rule.get("fields"), dict) else {}
    for name, text in overrides.items():
        where = _dotted([*parts, "fields", name])
        spec = specs.get(name)
        if spec is None:
            errors.append(
                PolicyError(where, f"unknown field; fields of this type: {', '.join(specs)}")
            )
            continue
        errors.extend(_action_errors(text, spec, where, spec["sensitivity"]))
    defaults = rule.get("by_sensitivity") if isinstance(rule.get("by_sensitivity"), dict) else {}
    for sensitivity, text in defaults.items():
        if sensitivity not in SENSITIVITIES or not isinstance(text, str):
            continue  # reported by the schema
        where = _dotted([*parts, "by_sensitivity", sensitivity])
        action = _parse(text)
        if action is None:
            errors.extend(_action_errors(text, None, where, sensitivity))
            continue
        errors.extend(_action_errors(text, None, where, sensitivity))
        for spec in fields:
            if (
                spec["sensitivity"] == sensitivity
                and spec["name"] not in overrides
                and not fa.fits_datatype(action, spec["datatype"])
            ):
                errors.append(
                    PolicyError(
                        where,
                        f"{action} cannot be applied to the {spec['datatype']} field "
                        f"{spec['name']}; give it its own action under fields",
                    )
                )
    if isinstance(review, list) and not review:
        for spec in fields:
            if spec["sensitivity"] not in PROTECTED_SENSITIVITIES:
                continue
            action = _parse(_effective_action(rule, spec))
            if action is not None and action.kind != fa.DROP:
                errors.append(
                    PolicyError(
                        _dotted([*parts, "review"]),
                        f"review [] would auto-publish the {spec['sensitivity']} field "
                        f"{spec['name']} ({action}); add a review stage or drop the field",
                    )
                )
    return errors


def _action_errors(
    text: Any, spec: Mapping[str, Any] | None, where: str, sensitivity: str
) -> list[PolicyError]:
    try:
        action = (
            fa.check_action(text, spec["datatype"]) if spec is not None else fa.parse_action(text)
        )
    except fa.ActionError as exc:
        return [PolicyError(where, str(exc))]
    if action.kind == fa.KEEP and sensitivity in PROTECTED_SENSITIVITIES:
        return [
            PolicyError(
                where,
                f"keep would share {sensitivity} information in clear; use drop (or pseudonymize, "
                "mask, generalize or scrub, with review)",
            )
        ]
    return []


def validate_rules(
    rules: Any,
    *,
    catalog: Mapping[str, list[Mapping[str, Any]]],
    org_slugs: Collection[str],
) -> list[PolicyError]:
    """Return every problem of a rules document (empty when valid).

    `catalog` maps each indicator-type key to its field specs; `org_slugs` are the organisations
    an explicit audience may name.
    """
    if not isinstance(rules, dict):
        return [PolicyError("(root)", "the rules must be a mapping with an indicator_types key")]
    errors = _non_string_keys(rules, [])
    if errors:
        return errors
    errors = _schema_errors(_RULES_VALIDATOR, rules)
    types = rules.get("indicator_types")
    for type_key, rule in types.items() if isinstance(types, dict) else []:
        parts: list[Any] = ["indicator_types", type_key]
        if type_key not in catalog:
            errors.append(
                PolicyError(
                    _dotted(parts), f"unknown indicator type; known: {', '.join(sorted(catalog))}"
                )
            )
            continue
        if isinstance(rule, dict) and rule.get("share") is True:
            errors.extend(_rule_semantic_errors(rule, list(catalog[type_key]), parts, org_slugs))
    aggregates = rules.get("aggregates")
    for name, spec in aggregates.items() if isinstance(aggregates, dict) else []:
        if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
            continue
        if spec["type"] not in catalog:
            errors.append(
                PolicyError(f"aggregates.{name}.type", f"unknown indicator type {spec['type']!r}")
            )
            continue
        technique = spec.get("technique_field")
        names = [f["name"] for f in catalog[spec["type"]]]
        if isinstance(technique, str) and technique not in names:
            errors.append(
                PolicyError(
                    f"aggregates.{name}.technique_field",
                    f"{spec['type']} has no field {technique!r}; fields: {', '.join(names)}",
                )
            )
    return _unique(errors)


def free_text_warnings(
    rules: Any, *, catalog: Mapping[str, list[Mapping[str, Any]]]
) -> list[PolicyError]:
    """Return what counsel must know before approving: the auto-publishing types (no review
    stage) whose published form keeps free text, so that every such submission is reviewed.

    Not an error: the workflow holds these submissions for the origin stage. A type whose
    auto-publication should stay automatic must be structured only (drop its free text).
    """
    types = rules.get("indicator_types") if isinstance(rules, dict) else None
    warnings = []
    for type_key, rule in sorted(types.items()) if isinstance(types, dict) else []:
        if not isinstance(rule, dict) or rule.get("share") is not True or rule.get("review"):
            continue
        kept = []
        for spec in catalog.get(type_key, []):
            if spec["datatype"] not in fa.FREE_TEXT_DATATYPES:
                continue
            action = _parse(_effective_action(rule, spec))
            if action is None or action.kind in (fa.DROP, fa.PSEUDONYMIZE):
                continue
            kept.append(f"`{spec['name']}` ({action})")
        if kept:
            warnings.append(
                PolicyError(
                    f"indicator_types.{type_key}.review",
                    f"{type_key} auto-publishes but keeps free text {', '.join(kept)}: every "
                    "such submission will be reviewed (origin stage). Drop the field to "
                    "auto-publish, or name the review stages.",
                )
            )
    return warnings


def _unique(errors: list[PolicyError]) -> list[PolicyError]:
    return list(dict.fromkeys(errors))


# --- resolution ------------------------------------------------------------------------------


def resolve_rule(rules: Mapping[str, Any], type_key: str) -> dict[str, Any] | None:
    """Return a copy of the rule of `type_key`, or None when the type is absent or not shared."""
    rule = (rules.get("indicator_types") or {}).get(type_key)
    if not isinstance(rule, dict) or rule.get("share") is not True:
        return None
    return copy.deepcopy(rule)


def field_plan(
    rule: Mapping[str, Any] | None, type_key: str, fields: list[Mapping[str, Any]]
) -> list[tuple[str, str, str, str]]:
    """Return (field name, datatype, action, rule path) for every field of the type.

    The action is the `fields.<name>` override, else `by_sensitivity.<class>`, else drop (path
    `indicator_types.<type>.(default)`); every field of a type that is not shared is dropped
    under `indicator_types.<type>.share`.
    """
    base = f"indicator_types.{type_key}"
    plan: list[tuple[str, str, str, str]] = []
    shared = rule is not None and rule.get("share") is True
    overrides = (rule or {}).get("fields") or {}
    defaults = (rule or {}).get("by_sensitivity") or {}
    for spec in fields:
        name, datatype, sensitivity = spec["name"], spec["datatype"], spec["sensitivity"]
        if not shared:
            plan.append((name, datatype, DEFAULT_ACTION, f"{base}.share"))
        elif name in overrides:
            plan.append((name, datatype, overrides[name], f"{base}.fields.{name}"))
        elif sensitivity in defaults:
            plan.append(
                (name, datatype, defaults[sensitivity], f"{base}.by_sensitivity.{sensitivity}")
            )
        else:
            plan.append((name, datatype, DEFAULT_ACTION, f"{base}.(default)"))
    return plan


def types_covered(rules: Mapping[str, Any]) -> list[str]:
    """Return the sorted keys of the types the rules share (those whose schema they bind)."""
    types = rules.get("indicator_types") or {}
    return sorted(k for k, rule in types.items() if isinstance(rule, dict) and rule.get("share"))


# --- strictness and overrides ----------------------------------------------------------------


def _audience_set(audience: Any, all_member_slugs: Collection[str]) -> set[str]:
    if audience == ALL_MEMBERS:
        return set(all_member_slugs)
    if audience == SECRETARIAT_ONLY:
        return set()
    if isinstance(audience, list):
        return {str(slug) for slug in audience}
    return set(all_member_slugs)  # malformed: assume the widest so nothing looser slips through


def _rank(order: Sequence[str], value: Any, *, missing: int) -> int:
    return order.index(value) if value in order else missing


def _action_violation(candidate: Any, baseline: Any) -> str | None:
    cand, base = _parse(candidate), _parse(baseline)
    if cand is None:
        return f"{candidate!r} is not a valid action"
    base = base or fa.Action(fa.DROP)  # an invalid baseline counts as the strictest
    if fa.is_at_least_as_strict(cand, base):
        return None
    return f"{cand} discloses more than {base}"


def _violations(
    candidate: Mapping[str, Any] | None,
    baseline: Mapping[str, Any] | None,
    all_member_slugs: Collection[str],
    fields: list[Mapping[str, Any]] | None,
) -> list[tuple[str, str]]:
    cand = candidate or {"share": False}
    base = baseline or {"share": False}
    if cand.get("share") is not True:
        return []
    if base.get("share") is not True:
        return [("share", "shares a type that the baseline does not share")]
    found: list[tuple[str, str]] = []
    widened = _audience_set(cand.get("audience"), all_member_slugs) - _audience_set(
        base.get("audience"), all_member_slugs
    )
    if widened:
        found.append(("audience", f"reaches {', '.join(sorted(widened))} beyond the baseline"))
    for key, order in (("tlp", TLP_ORDER), ("pap", PAP_ORDER)):
        c = _rank(order, cand.get(key), missing=-1)
        b = _rank(order, base.get(key), missing=len(order))
        if c < b:
            found.append(
                (
                    key,
                    f"{key.upper()}:{cand.get(key)} is less restrictive than "
                    f"{key.upper()}:{base.get(key)}",
                )
            )
    if base.get("anonymize_contributor") is True and cand.get("anonymize_contributor") is not True:
        found.append(("anonymize_contributor", "would reveal the contributor"))
    cand_review = cand.get("review") if isinstance(cand.get("review"), list) else []
    base_review = (
        base.get("review") if isinstance(base.get("review"), list) else list(REVIEW_STAGES)
    )
    dropped = [stage for stage in base_review if stage not in cand_review]
    if dropped:
        found.append(("review", f"skips the review stage {', '.join(map(str, dropped))}"))
    c_days, b_days = cand.get("retention_days"), base.get("retention_days")
    if not isinstance(c_days, int) or (isinstance(b_days, int) and c_days > b_days):
        found.append(("retention_days", f"keeps indicators {c_days} days, longer than {b_days}"))
    c_defaults = cand.get("by_sensitivity") or {}
    b_defaults = base.get("by_sensitivity") or {}
    for sensitivity in SENSITIVITIES:
        problem = _action_violation(
            c_defaults.get(sensitivity, DEFAULT_ACTION), b_defaults.get(sensitivity, DEFAULT_ACTION)
        )
        if problem:
            found.append((f"by_sensitivity.{sensitivity}", problem))
    found.extend(_field_violations(cand, base, fields))
    return found


def _field_violations(
    cand: Mapping[str, Any], base: Mapping[str, Any], fields: list[Mapping[str, Any]] | None
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if fields is not None:
        for spec in fields:
            problem = _action_violation(
                _effective_action(cand, spec), _effective_action(base, spec)
            )
            if problem:
                found.append((f"fields.{spec['name']}", problem))
        return found
    # Without the type's fields a field's class is unknown: compare against every class.
    c_fields, b_fields = cand.get("fields") or {}, base.get("fields") or {}
    for name in sorted(set(c_fields) | set(b_fields)):
        c_options = [c_fields[name]] if name in c_fields else None
        b_options = [b_fields[name]] if name in b_fields else None
        if c_options is None:
            c_options = [
                _effective_action(cand, {"name": "", "sensitivity": s}) for s in SENSITIVITIES
            ]
        if b_options is None:
            b_options = [
                _effective_action(base, {"name": "", "sensitivity": s}) for s in SENSITIVITIES
            ]
        for c_text in c_options:
            for b_text in b_options:
                problem = _action_violation(c_text, b_text)
                if problem:
                    found.append((f"fields.{name}", problem))
    return list(dict.fromkeys(found))


def is_at_least_as_strict(
    candidate_rule: Mapping[str, Any] | None,
    baseline_rule: Mapping[str, Any] | None,
    *,
    all_member_slugs: Collection[str],
    fields: list[Mapping[str, Any]] | None = None,
) -> list[str]:
    """Return why `candidate_rule` discloses more than `baseline_rule` (empty: at least as strict).

    A rule that is None or has share false is the strictest. Pass the type's `fields` to compare
    field actions exactly; without them a field override is compared against every class.
    """
    return [
        f"{path}: {message}"
        for path, message in _violations(candidate_rule, baseline_rule, all_member_slugs, fields)
    ]


def apply_override(
    base_rule: Mapping[str, Any] | None, override: Mapping[str, Any]
) -> dict[str, Any]:
    """Return `base_rule` with an organisation's partial override applied.

    Top-level keys are replaced; `by_sensitivity` and `fields` are merged key by key. An override
    with share false yields {"share": False}.
    """
    if override.get("share") is False:
        return {"share": False}
    merged = copy.deepcopy(dict(base_rule or {"share": False}))
    for key, value in override.items():
        if key in ("by_sensitivity", "fields"):
            merged[key] = {**(merged.get(key) or {}), **copy.deepcopy(value)}
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def check_override(
    base_rule: Mapping[str, Any] | None,
    override: Any,
    *,
    all_member_slugs: Collection[str],
    fields: list[Mapping[str, Any]] | None = None,
) -> list[PolicyError]:
    """Return why an organisation's override of one type is refused (empty: it is accepted).

    An override may only make the rule stricter; each refusal names the key and the reason.
    """
    if not isinstance(override, dict):
        return [PolicyError("(root)", "an override must be a mapping of rule keys")]
    errors = _schema_errors(_PARTIAL_RULE_VALIDATOR, override)
    if errors:
        return errors
    merged = apply_override(base_rule, override)
    if fields is not None and merged.get("share") is True:
        errors = _rule_semantic_errors(merged, fields, [], None)
        if errors:
            return _unique(errors)
    return [
        PolicyError(path, f"looser than the policy in force: {message}")
        for path, message in _violations(merged, base_rule, all_member_slugs, fields)
    ]


def check_override_document(
    rules: Mapping[str, Any],
    document: Any,
    *,
    catalog: Mapping[str, list[Mapping[str, Any]]],
    all_member_slugs: Collection[str],
) -> list[PolicyError]:
    """Return why an organisation's override document ({type key: partial rule}) is refused."""
    if not isinstance(document, dict):
        return [PolicyError("(root)", "an override document maps indicator-type keys to rules")]
    errors: list[PolicyError] = []
    for type_key, override in document.items():
        if type_key not in catalog:
            errors.append(PolicyError(str(type_key), "unknown indicator type"))
            continue
        for error in check_override(
            resolve_rule(rules, type_key),
            override,
            all_member_slugs=all_member_slugs,
            fields=list(catalog[type_key]),
        ):
            path = type_key if error.path == "(root)" else f"{type_key}.{error.path}"
            errors.append(PolicyError(path, error.message))
    return errors


# --- diff ------------------------------------------------------------------------------------


def _change(type_key: str | None, field: str | None, key: str, old: Any, new: Any) -> dict:
    if old is None:
        change = "added type" if key == "type" else "added"
    elif new is None:
        change = "removed type" if key == "type" else "removed"
    else:
        change = "changed"
    return {"type": type_key, "field": field, "key": key, "old": old, "new": new, "change": change}


def diff_rules(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the changes from `old` to `new` for counsel's approval page.

    Each entry is {"type", "field", "key", "old", "new", "change"}: a whole type added or removed
    has key "type"; a rule key has its name ("tlp", "by_sensitivity.personal"); a field action has
    the field's name and key "action"; aggregates and correlation have type None.
    """
    old = old or {}
    old_types = old.get("indicator_types") or {}
    new_types = new.get("indicator_types") or {}
    changes: list[dict[str, Any]] = []
    for type_key in sorted(set(old_types) | set(new_types)):
        before, after = old_types.get(type_key), new_types.get(type_key)
        if before is None or after is None:
            changes.append(_change(type_key, None, "type", before, after))
            continue
        for key in RULE_KEYS[:-2]:
            if before.get(key) != after.get(key):
                changes.append(_change(type_key, None, key, before.get(key), after.get(key)))
        b_defaults, a_defaults = (
            before.get("by_sensitivity") or {},
            after.get("by_sensitivity") or {},
        )
        for sensitivity in SENSITIVITIES:
            if b_defaults.get(sensitivity) != a_defaults.get(sensitivity):
                changes.append(
                    _change(
                        type_key,
                        None,
                        f"by_sensitivity.{sensitivity}",
                        b_defaults.get(sensitivity),
                        a_defaults.get(sensitivity),
                    )
                )
        b_fields, a_fields = before.get("fields") or {}, after.get("fields") or {}
        for name in sorted(set(b_fields) | set(a_fields)):
            if b_fields.get(name) != a_fields.get(name):
                changes.append(
                    _change(type_key, name, "action", b_fields.get(name), a_fields.get(name))
                )
    old_aggregates, new_aggregates = old.get("aggregates") or {}, new.get("aggregates") or {}
    for name in sorted(set(old_aggregates) | set(new_aggregates)):
        if old_aggregates.get(name) != new_aggregates.get(name):
            changes.append(
                _change(
                    None,
                    None,
                    f"aggregates.{name}",
                    old_aggregates.get(name),
                    new_aggregates.get(name),
                )
            )
    if old.get("correlation") != new.get("correlation"):
        changes.append(
            _change(None, None, "correlation", old.get("correlation"), new.get("correlation"))
        )
    return changes
