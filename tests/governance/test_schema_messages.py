"""One table of JSON Schema messages: counsel's policy and a submitter's payload read alike."""

from __future__ import annotations

import jsonschema

from governance.core.indicator_schema import validate_payload
from governance.core.schema_messages import MESSAGES, schema_message


def _error(schema: dict, instance: object) -> jsonschema.ValidationError:
    return next(iter(jsonschema.Draft202012Validator(schema).iter_errors(instance)))


def test_policy_and_payload_say_the_same_for_the_same_keyword():
    fields = [
        {
            "name": "count",
            "datatype": "integer",
            "required": True,
            "minimum": 0,
            "sensitivity": "technical",
        }
    ]
    payload_message = validate_payload(fields, {"count": -1})[0]["message"]
    policy_message = schema_message(_error({"type": "integer", "minimum": 0}, -1))
    assert payload_message == policy_message == "must be at least 0, not -1"


def test_every_keyword_in_the_table_gives_a_sentence_not_jsonschemas_wording():
    cases = {
        "type": ({"type": "boolean"}, "yes"),
        "enum": ({"enum": ["a", "b"]}, "c"),
        "minimum": ({"minimum": 1}, 0),
        "maximum": ({"maximum": 1}, 2),
        "exclusiveMinimum": ({"exclusiveMinimum": 0}, 0),
        "minLength": ({"minLength": 1}, ""),
        "maxLength": ({"maxLength": 1}, "ab"),
        "minItems": ({"minItems": 1}, []),
        "maxItems": ({"maxItems": 1}, [1, 2]),
        "minProperties": ({"minProperties": 1}, {}),
        "uniqueItems": ({"uniqueItems": True}, [1, 1]),
        "pattern": ({"pattern": "^[a-z]+$"}, "A"),
    }
    for keyword, (schema, instance) in cases.items():
        error = _error(schema, instance)
        assert error.validator == keyword
        assert schema_message(error) != error.message, keyword
    assert set(cases) | {"format", "anyOf", "oneOf"} == set(MESSAGES)
