"""Payload validation against JSON Schema generated from indicator field specs."""

from __future__ import annotations

import copy

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.core.indicator_schema import (
    COUNTRY_CODES,
    CatalogError,
    check_catalog,
    fields_hash,
    json_schema_for,
    load_catalog,
    validate_payload,
)

FIELDS = [
    {"name": "ip", "label": "IP", "datatype": "ipv4", "sensitivity": "personal", "required": True},
    {"name": "ip6", "label": "IPv6", "datatype": "ipv6", "sensitivity": "technical"},
    {"name": "net", "label": "Net", "datatype": "cidr", "sensitivity": "technical"},
    {"name": "domain", "label": "Domain", "datatype": "domain", "sensitivity": "technical"},
    {"name": "email", "label": "Email", "datatype": "email", "sensitivity": "personal"},
    {"name": "url", "label": "URL", "datatype": "url", "sensitivity": "technical"},
    {"name": "digest", "label": "Digest", "datatype": "sha256", "sensitivity": "technical"},
    {"name": "count", "label": "Count", "datatype": "integer", "sensitivity": "technical",
     "minimum": 0},
    {"name": "share", "label": "Share", "datatype": "decimal", "sensitivity": "competitive",
     "minimum": 0, "maximum": 1},
    {"name": "seen", "label": "Seen", "datatype": "datetime", "sensitivity": "technical"},
    {"name": "kind", "label": "Kind", "datatype": "enum", "sensitivity": "technical",
     "choices": ["relay", "resale"]},
    {"name": "country", "label": "Country", "datatype": "country", "sensitivity": "technical"},
    {"name": "asn", "label": "ASN", "datatype": "asn", "sensitivity": "technical"},
    {"name": "name", "label": "Name", "datatype": "string", "sensitivity": "technical",
     "max_length": 10},
    {"name": "notes", "label": "Notes", "datatype": "text", "sensitivity": "technical",
     "max_length": 50},
    {"name": "emails", "label": "Emails", "datatype": "email", "sensitivity": "personal",
     "many": True, "max_items": 3},
]  # fmt: skip

VALID = {
    "ip": "203.0.113.7",
    "ip6": "2001:db8::1",
    "net": "203.0.113.0/24",
    "domain": "relay.example.com",
    "email": "farm.01+x@mail.example.org",
    "url": "https://relay.example.com:8443/v1/chat?x=1",
    "digest": "a" * 64,
    "count": 12,
    "share": 0.25,
    "seen": "2025-05-01T13:45:00.123Z",
    "kind": "relay",
    "country": "DE",
    "asn": "AS13335",
    "name": "farm-7",
    "notes": "Scripted sign-ups.",
    "emails": ["a@example.com", "b@example.com"],
}


def problems_for(**changes: object) -> list[dict[str, str]]:
    payload = {**VALID, **changes}
    return validate_payload(FIELDS, {k: v for k, v in payload.items() if v is not ...})


def only_message(field: str, **changes: object) -> str:
    problems = problems_for(**changes)
    assert [p["field"] for p in problems] == [field], problems
    return problems[0]["message"]


def test_valid_payload_has_no_problems() -> None:
    assert validate_payload(FIELDS, VALID) == []


def test_optional_fields_may_be_omitted() -> None:
    assert validate_payload(FIELDS, {"ip": "198.51.100.1"}) == []


def test_payload_must_be_a_json_object() -> None:
    assert validate_payload(FIELDS, ["203.0.113.7"]) == [
        {"field": "(payload)", "message": "must be a JSON object, not a list"}
    ]


def test_unknown_field_is_named_with_the_allowed_fields() -> None:
    problems = problems_for(signup_ip="1.2.3.4")
    assert problems == [
        {"field": "signup_ip", "message": "unknown field; allowed: " + ", ".join(VALID)}
    ]


def test_missing_required_field_is_named() -> None:
    assert problems_for(ip=...) == [{"field": "ip", "message": "is required"}]


def test_invalid_ipv4_message_names_the_value() -> None:
    message = only_message("ip", ip="1.2.3")
    assert message.startswith("'1.2.3' is not a valid IPv4 address")


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("ip", "256.1.1.1", "not a valid IPv4 address"),
        ("ip", "01.2.3.4", "not a valid IPv4 address"),
        ("ip6", "2001:db8::g", "not a valid IPv6 address"),
        ("ip6", "fe80::1%eth0", "not a valid IPv6 address"),
        ("net", "203.0.113.0", "not in CIDR notation"),
        ("net", "203.0.113.9/24", "host bits set; write the network as 203.0.113.0/24"),
        ("net", "203.0.113.0/33", "not a valid CIDR range"),
        ("domain", "https://example.com", "not a valid domain name"),
        ("domain", "localhost", "not a valid domain name"),
        ("domain", "-bad.example.com", "not a valid domain name"),
        ("email", "no-at-sign.example.com", "not a valid email address"),
        ("email", "a..b@example.com", "not a valid email address"),
        ("url", "javascript:alert(1)", "not a valid URL"),
        ("url", "https://exa mple.com", "not a valid URL"),
        ("url", "https://example.com:99999/", "not a valid URL"),
        ("digest", "abc", "not a SHA-256 hex digest (64 hexadecimal characters, got 3"),
        ("digest", "g" * 64, "not a SHA-256 hex digest"),
        ("seen", "2025-05-01T13:45:00", "not an RFC 3339 date-time with a time zone"),
        ("seen", "2025-02-30T00:00:00Z", "not an RFC 3339 date-time"),
        ("seen", "2025-05-01", "not an RFC 3339 date-time"),
        ("country", "de", "must be uppercase: 'DE'"),
        ("country", "XX", "not an ISO 3166-1 alpha-2 country code"),
        ("country", "DEU", "not an ISO 3166-1 alpha-2 country code"),
        ("asn", "as13335", "not an AS number"),
        ("asn", "13335", "not an AS number"),
        ("asn", 4_294_967_296, "outside the AS number range"),
        ("kind", "proxy", "must be one of relay, resale, not 'proxy'"),
        ("name", "x" * 11, "is 11 characters long; at most 10 are allowed"),
        ("notes", "", "must not be empty"),
        ("count", 1.5, "must be a whole number, not the decimal number 1.5"),
        ("count", True, "must be a whole number, not true/false"),
        ("count", "12", "must be a whole number, not text"),
        ("count", -1, "must be at least 0, not -1"),
        ("share", 1.5, "must be at most 1, not 1.5"),
        ("share", "0.5", "must be a number, not text"),
        ("share", float("nan"), "not a finite number"),
        ("ip", None, "must be text holding a ipv4 value, not null"),
        ("emails", "a@example.com", "must be a list of values, not text"),
        ("emails", [], "must list at least one value"),
        ("emails", ["a@example.com", "a@example.com"], "lists the same value more than once"),
        ("emails", ["a@x.com", "b@x.com", "c@x.com", "d@x.com"], "lists 4 values; at most 3"),
        ("emails", ["a@example.com", "nope"], "entry 2 of 2: 'nope' is not a valid email"),
    ],
)
def test_invalid_value_gets_an_actionable_message(field: str, value: object, fragment: str) -> None:
    message = only_message(field, **{field: value})
    assert fragment in message
    assert "is not valid under any of the given schemas" not in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ip6", "::ffff:203.0.113.7"),
        ("net", "2001:db8::/32"),
        ("url", "http://[2001:db8::1]:8080/x"),
        ("url", "wss://203.0.113.7/stream"),
        ("digest", "ABCDEF" + "0" * 58),
        ("seen", "2025-05-01T15:45:00+02:00"),
        ("seen", "2025-05-01T13:45:00.123456789Z"),
        ("asn", 13335),
        ("asn", "AS0"),
        ("count", 0),
        ("share", 1),
        ("domain", "xn--bcher-kva.example"),
    ],
)
def test_valid_edge_values_are_accepted(field: str, value: object) -> None:
    assert problems_for(**{field: value}) == []


def test_every_problem_is_reported_in_field_order() -> None:
    problems = problems_for(ip="x", count=-5, extra=1)
    assert [p["field"] for p in problems] == ["extra", "ip", "count"]


def test_json_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json_schema_for(FIELDS)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["ip"]
    assert schema["properties"]["name"]["maxLength"] == 10
    assert schema["properties"]["kind"]["enum"] == ["relay", "resale"]
    assert schema["properties"]["emails"]["items"]["format"] == "email"
    assert schema["properties"]["ip"]["x-sensitivity"] == "personal"


def test_country_list_has_all_assigned_alpha_2_codes() -> None:
    assert len(COUNTRY_CODES) == 249
    assert {"DE", "US", "JP", "SS", "BQ", "AX"} <= COUNTRY_CODES
    assert "XK" not in COUNTRY_CODES  # user-assigned, not an ISO code


@given(st.ip_addresses(v=4).map(str))
def test_every_ipv4_address_is_accepted(address: str) -> None:
    assert problems_for(ip=address) == []


@given(st.ip_addresses(v=6).map(str))
def test_every_ipv6_address_is_accepted(address: str) -> None:
    assert problems_for(ip6=address) == []


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.integers(), max_size=4))
def test_unknown_fields_are_always_reported(extra: dict[str, int]) -> None:
    unknown = {k for k in extra if k not in VALID}
    problems = validate_payload(FIELDS, {**VALID, **extra})
    assert {p["field"] for p in problems} >= unknown


def test_fields_hash_ignores_labels_help_and_order() -> None:
    relabelled = copy.deepcopy(FIELDS)[::-1]
    relabelled[0]["label"] = "Other label"
    relabelled[0]["help"] = "New help"
    assert fields_hash(relabelled) == fields_hash(FIELDS)


def test_fields_hash_treats_defaults_as_explicit() -> None:
    explicit = [{**f, "required": f.get("required", False), "many": f.get("many", False)}
                for f in FIELDS]  # fmt: skip
    assert fields_hash(explicit) == fields_hash(FIELDS)


@pytest.mark.parametrize(
    ("key", "value"),
    [("datatype", "ipv6"), ("sensitivity", "competitive"), ("required", False), ("maximum", 5)],
)
def test_fields_hash_changes_when_the_schema_changes(key: str, value: object) -> None:
    changed = copy.deepcopy(FIELDS)
    changed[0][key] = value
    assert fields_hash(changed) != fields_hash(FIELDS)


def test_fields_hash_is_hex_sha256() -> None:
    digest = fields_hash(FIELDS)
    assert len(digest) == 64 and int(digest, 16) >= 0


def _type(**changes: object) -> dict[str, object]:
    base = {
        "key": "demo-type",
        "name": "Demo",
        "description": "Demo type.",
        "category": "demo",
        "legitimate_interest": "Recital 49.",
        "stix_pattern": "[ipv4-addr:value = '{ip}']",
        "fields": copy.deepcopy(FIELDS),
    }
    return {**base, **changes}


def test_check_catalog_accepts_a_valid_type() -> None:
    assert check_catalog([_type()]) == []


@pytest.mark.parametrize(
    ("types", "fragment"),
    [
        ([_type(), _type()], "duplicate key"),
        ([_type(key="Bad Key")], "key must be lowercase"),
        ([_type(fields=FIELDS + FIELDS[:1])], "field 'ip': duplicate field name"),
        ([_type(fields=[{**FIELDS[0], "datatype": "ipv5"}])], "unknown datatype 'ipv5'"),
        ([_type(fields=[{**FIELDS[0], "sensitivity": "secret"}])], "sensitivity must be one of"),
        ([_type(fields=FIELDS + [{**FIELDS[10], "name": "k2", "choices": []}])], "an enum needs"),
        ([_type(fields=FIELDS + [{**FIELDS[13], "name": "n2", "max_length": None}])],
         "needs a positive integer max_length"),
        ([_type(fields=[{**FIELDS[0], "colour": "red"}])], "unknown keys colour"),
        ([_type(stix_pattern="[domain-name:value = '{domain}']")], "must be required"),
        ([_type(stix_pattern="[domain-name:value = '{nope}']")], "unknown field 'nope'"),
        ([_type(legitimate_interest="")], "legitimate_interest must be non-empty"),
    ],
)  # fmt: skip
def test_check_catalog_names_each_defect(types: list[dict[str, object]], fragment: str) -> None:
    assert any(fragment in problem for problem in check_catalog(types)), check_catalog(types)


def test_load_catalog_raises_with_every_problem(tmp_path) -> None:
    bad = tmp_path / "catalog.yaml"
    bad.write_text(
        "indicator_types:\n"
        "  - {key: a, name: A, description: d, category: c, legitimate_interest: l,\n"
        "     stix_pattern: null, fields: [{name: x, label: X, datatype: nope,\n"
        "     sensitivity: technical}]}\n"
        "  - {key: a, name: A, description: d, category: c, legitimate_interest: l,\n"
        "     stix_pattern: null, fields: [{name: x, label: X, datatype: enum,\n"
        "     sensitivity: technical}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(bad)
    assert len(excinfo.value.problems) == 3
    assert "duplicate key" in str(excinfo.value)


def test_load_catalog_fills_field_defaults() -> None:
    for entry in load_catalog():
        for spec in entry["fields"]:
            assert isinstance(spec["required"], bool) and isinstance(spec["many"], bool)
