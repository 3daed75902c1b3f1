"""The one table of what a person reads when a value fails a JSON Schema keyword.

Pure module. Two checkers use it: the policy language (``policy_language``: counsel's YAML, where
a value has no field spec) and indicator payloads (``indicator_schema``: a submitter's form or
JSON, where the field's spec says which datatype was expected and whether the value is one entry
of a list field). Each message says what the value must be and, where it helps, what it was;
a keyword not listed keeps jsonschema's own message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jsonschema

# How a payload datatype reads in "must be <this>".
_TYPE_WORDS = {
    "string": "text",
    "text": "text",
    "integer": "a whole number",
    "decimal": "a number",
    "enum": "one of the listed choices (text)",
    "asn": "an AS number such as AS13335 or 13335",
}
# How a JSON Schema type reads where there is no field spec (the policy language).
_SCHEMA_TYPE_WORDS = {
    "integer": "an integer",
    "object": "a mapping",
    "array": "a list",
}


def show(value: Any) -> str:
    """A value as the message quotes it: its repr, cut at 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def json_kind(value: Any) -> str:
    """What kind of JSON value `value` is, in words ("text", "a list", "true/false", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, float):
        return f"the decimal number {value!r}"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


Spec = Mapping[str, Any] | None
Builder = Callable[[jsonschema.ValidationError, Spec, bool], str]


def _type(error: jsonschema.ValidationError, spec: Spec, in_list: bool) -> str:
    kind = json_kind(error.instance)
    if spec is None:
        value = error.validator_value
        if isinstance(value, list):
            expected = " or ".join(_SCHEMA_TYPE_WORDS.get(v, f"a {v}") for v in value)
        else:
            expected = _SCHEMA_TYPE_WORDS.get(value, f"a {value}")
        return f"must be {expected}, not {kind}"
    if spec.get("many") and not in_list:
        return f"must be a list of values, not {kind}"
    datatype = spec["datatype"]
    return f"must be {_TYPE_WORDS.get(datatype, f'text holding a {datatype} value')}, not {kind}"


def _format(error: jsonschema.ValidationError, spec: Spec, in_list: bool) -> str:
    if error.cause is not None:
        return str(error.cause)
    return f"{show(error.instance)} is not a valid {error.validator_value}"


def _choice(error: jsonschema.ValidationError, spec: Spec, in_list: bool) -> str:
    if error.schema.get("description"):
        return f"must be {error.schema['description']}, not {show(error.instance)}"
    return error.message


MESSAGES: dict[str, Builder] = {
    "type": _type,
    "format": _format,
    "anyOf": _choice,
    "oneOf": _choice,
    "enum": lambda e, spec, in_list: (
        f"must be one of {', '.join(map(str, e.validator_value))}, not {show(e.instance)}"
    ),
    "minimum": lambda e, spec, in_list: f"must be at least {e.validator_value}, not {e.instance}",
    "maximum": lambda e, spec, in_list: f"must be at most {e.validator_value}, not {e.instance}",
    "exclusiveMinimum": lambda e, spec, in_list: (
        f"must be greater than {e.validator_value}, not {e.instance}"
    ),
    "minLength": lambda e, spec, in_list: "must not be empty",
    "maxLength": lambda e, spec, in_list: (
        f"is {len(e.instance)} characters long; at most {e.validator_value} are allowed"
    ),
    "minItems": lambda e, spec, in_list: (
        "must list at least one value"
        if spec is None
        else "must list at least one value (omit the field if there is none)"
    ),
    "maxItems": lambda e, spec, in_list: (
        f"lists {len(e.instance)} values; at most {e.validator_value} are allowed"
    ),
    "minProperties": lambda e, spec, in_list: "must set at least one key",
    "uniqueItems": lambda e, spec, in_list: "lists the same value more than once",
    "pattern": lambda e, spec, in_list: f"{show(e.instance)} is not a valid name",
}


def schema_message(
    error: jsonschema.ValidationError, spec: Spec = None, *, in_list: bool = False
) -> str:
    """What a person reads for `error`; `spec` is the payload field's spec (None for policy)."""
    build = MESSAGES.get(error.validator)
    return build(error, spec, in_list) if build is not None else error.message
