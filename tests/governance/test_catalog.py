"""The shipped indicator-type catalog and baseline policy."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from stix2patterns.validator import run_validator

from governance.core.field_actions import check_action
from governance.core.indicator_schema import (
    DATATYPES,
    SENSITIVITIES,
    fields_by_type,
    json_schema_for,
    load_catalog,
    validate_payload,
)
from governance.core.policy_language import (
    PROTECTED_SENSITIVITIES,
    field_plan,
    parse_rules_yaml,
    resolve_rule,
    types_covered,
    validate_rules,
)

BASELINE = Path(__file__).resolve().parents[2] / "governance" / "catalog" / "baseline_policy.yaml"
KEYS = [
    "account-cluster",
    "payment-linkage",
    "proxy-service",
    "network-infrastructure",
    "cot-elicitation-prompt",
    "traffic-anomaly",
    "release-pivot",
    "access-programme-abuse",
    "automation-client",
    "attribution-assessment",
]

# One realistic, valid payload per type (documentation IPs and domains only).
EXAMPLES = {
    "account-cluster": {
        "cluster_size": 214,
        "emails": ["k.farm01@mailbox.example", "k.farm02@mailbox.example"],
        "email_domain": "mailbox.example",
        "signup_window_start": "2025-04-02T08:00:00Z",
        "signup_window_end": "2025-04-02T11:30:00Z",
        "signup_ip": "203.0.113.45",
        "device_fingerprint": "fp:9c1e77d0b2",
        "registration_country": "SG",
        "monthly_requests": 4_800_000,
        "detection_method": "fingerprint-reuse",
        "analyst_notes": "Accounts created by a headless browser within minutes of each other.",
    },
    "payment-linkage": {
        "instrument_fingerprint": "card_fp_3Lk9aQ",
        "instrument_type": "virtual-card",
        "bin_country": "HK",
        "prepaid": "prepaid",
        "linked_accounts": 37,
        "first_seen": "2025-03-30T10:12:00+08:00",
        "member_revenue_from_accounts": 1250.5,
    },
    "proxy-service": {
        "service_name": "CheapGPT relay",
        "domain": "relay.example.net",
        "asn": "AS64500",
        "relay_software": "one-api 0.6",
        "service_model": "key-resale",
        "operator_contact": "@relay_admin",
        "first_seen": "2025-02-14T00:00:00Z",
    },
    "network-infrastructure": {
        "ip": "198.51.100.23",
        "cidr": "198.51.100.0/24",
        "asn": 64501,
        "hosting_country": "BR",
        "residential_proxy": "confirmed",
        "ja3": "e7d705a3286e19ea42f587b344ee6865",
        "ja4": "t13d1516h2_8daaf6152771_02713d6af862",
        "user_agent": "python-httpx/0.27.0",
        "first_seen": "2025-04-01T00:00:00Z",
        "last_seen": "2025-04-09T23:59:59Z",
    },
    "cot-elicitation-prompt": {
        "template_signature": "4f" * 32,
        "template_regex": r"^Think step by step and show every intermediate step.*$",
        "redacted_example": "Think step by step and show every intermediate step: [TASK]",
        "target_capability": "reasoning-traces",
        "language": "en",
        "observed_count": 91_000,
        "embedded_personal_data": "jane@example.org",
        "classifier_threshold": 0.82,
    },
    "traffic-anomaly": {
        "window_start": "2025-04-01T00:00:00Z",
        "window_end": "2025-04-08T00:00:00Z",
        "anomaly_kind": "systematic-coverage",
        "attacker_requests": 12_000_000,
        "attacker_tokens": 9_500_000_000,
        "member_total_requests": 800_000_000,
        "member_traffic_share": 0.015,
    },
    "release-pivot": {
        "pivot_trigger": "public release of an open-weights reasoning model",
        "hours_to_pivot": 6.5,
        "fraction_shifted": 0.7,
        "pivot_observed_at": "2025-01-21T06:00:00Z",
        "unreleased_launch_date": "2025-09-01T00:00:00Z",
    },
    "access-programme-abuse": {
        "programme_type": "research-access",
        "bypass_method": "eligibility-misrepresentation",
        "accounts_involved": 12,
        "applicant_domain": "institute.example",
        "applicant_contact": "pi@institute.example",
        "credit_amount": 25000,
        "first_seen": "2025-03-01T09:00:00Z",
    },
    "automation-client": {
        "sdk_name": "aiohttp-swarm",
        "sdk_version": "2.1",
        "header_order_signature": "0a" * 32,
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
        "tls_ja4": "t13d1517h2_8daaf6152771_b0da82dd1658",
        "timing_profile": "rate-limit-hugging",
        "mean_interarrival_ms": 210,
    },
    "attribution-assessment": {
        "attributed_organisation": "Example Distillation Lab Ltd",
        "attributed_country": "CN",
        "confidence": "moderate",
        "basis": "Shared payment instruments and relay infrastructure across three members.",
        "campaign_reference": "CR-2025-014",
        "employee_names": ["A. Example"],
        "law_enforcement_reference": "REF-0001",
    },
}


@pytest.fixture(scope="module")
def catalog() -> list[dict]:
    return load_catalog()


@pytest.fixture(scope="module")
def baseline() -> dict:
    rules, errors = parse_rules_yaml(BASELINE.read_text(encoding="utf-8"))
    assert errors == []
    return rules


def test_catalog_holds_the_ten_seed_types_in_order(catalog: list[dict]) -> None:
    assert [entry["key"] for entry in catalog] == KEYS


def test_every_type_has_a_legitimate_interest_note_and_free_text(catalog: list[dict]) -> None:
    for entry in catalog:
        assert "Recital 49" in entry["legitimate_interest"], entry["key"]
        assert any(f["datatype"] == "text" for f in entry["fields"]), entry["key"]


def test_catalog_uses_only_known_datatypes_and_sensitivities(catalog: list[dict]) -> None:
    used = {(f["datatype"], f["sensitivity"]) for e in catalog for f in e["fields"]}
    assert {d for d, _ in used} <= DATATYPES
    assert {s for _, s in used} == set(SENSITIVITIES)


@pytest.mark.parametrize(
    ("key", "field", "sensitivity"),
    [
        ("account-cluster", "emails", "personal"),
        ("account-cluster", "email_domain", "technical"),
        ("account-cluster", "device_fingerprint", "personal"),
        ("payment-linkage", "instrument_fingerprint", "personal"),
        ("payment-linkage", "member_revenue_from_accounts", "competitive"),
        ("proxy-service", "operator_contact", "personal"),
        ("network-infrastructure", "ja4", "technical"),
        ("cot-elicitation-prompt", "embedded_personal_data", "personal"),
        ("cot-elicitation-prompt", "classifier_threshold", "competitive"),
        ("traffic-anomaly", "attacker_requests", "technical"),
        ("traffic-anomaly", "member_total_requests", "competitive"),
        ("release-pivot", "unreleased_launch_date", "competitive"),
        ("access-programme-abuse", "credit_amount", "competitive"),
        ("attribution-assessment", "employee_names", "personal"),
    ],
)
def test_seed_fields_carry_the_designed_sensitivity(
    catalog: list[dict], key: str, field: str, sensitivity: str
) -> None:
    fields = {f["name"]: f for f in fields_by_type(catalog)[key]}
    assert fields[field]["sensitivity"] == sensitivity


def test_automation_client_has_only_technical_fields(catalog: list[dict]) -> None:
    fields = fields_by_type(catalog)["automation-client"]
    assert {f["sensitivity"] for f in fields} == {"technical"}


@pytest.mark.parametrize("key", KEYS)
def test_example_payload_of_each_type_is_valid(catalog: list[dict], key: str) -> None:
    assert validate_payload(fields_by_type(catalog)[key], EXAMPLES[key]) == []


@pytest.mark.parametrize("key", KEYS)
def test_stix_pattern_renders_to_a_valid_stix_pattern(catalog: list[dict], key: str) -> None:
    entry = next(e for e in catalog if e["key"] == key)
    if entry["stix_pattern"] is None:
        return
    names = [p[1] for p in string.Formatter().parse(entry["stix_pattern"]) if p[1]]
    rendered = entry["stix_pattern"].format(**{n: EXAMPLES[key][n] for n in names})
    assert run_validator(rendered, stix_version="2.1") == []


def test_json_schema_of_each_type_names_every_field(catalog: list[dict]) -> None:
    for entry in catalog:
        schema = json_schema_for(entry["fields"])
        assert list(schema["properties"]) == [f["name"] for f in entry["fields"]]


def test_baseline_policy_is_valid_with_no_named_organisations(
    catalog: list[dict], baseline: dict
) -> None:
    assert validate_rules(baseline, catalog=fields_by_type(catalog), org_slugs=[]) == []


def test_baseline_policy_covers_every_type(baseline: dict) -> None:
    assert types_covered(baseline) == sorted(KEYS)


def test_baseline_reviews_attribution_at_both_stages(baseline: dict) -> None:
    assert resolve_rule(baseline, "attribution-assessment")["review"] == ["origin", "forum"]
    assert resolve_rule(baseline, "automation-client")["review"] == []


def test_baseline_never_shares_competitive_or_restricted_fields(
    catalog: list[dict], baseline: dict
) -> None:
    for key, fields in fields_by_type(catalog).items():
        sensitivity = {f["name"]: f["sensitivity"] for f in fields}
        for name, datatype, action, _path in field_plan(resolve_rule(baseline, key), key, fields):
            check_action(action, datatype)
            if sensitivity[name] in PROTECTED_SENSITIVITIES:
                assert action == "drop", (key, name)


def test_baseline_pseudonymises_or_generalises_personal_fields(
    catalog: list[dict], baseline: dict
) -> None:
    for key, fields in fields_by_type(catalog).items():
        personal = {f["name"] for f in fields if f["sensitivity"] == "personal"}
        for name, _datatype, action, _path in field_plan(resolve_rule(baseline, key), key, fields):
            if name in personal:
                assert action != "keep", (key, name)


def test_baseline_has_aggregates_and_correlation(baseline: dict) -> None:
    assert baseline["aggregates"]["weekly-campaign-volume"]["min_contributors"] == 5
    assert len(baseline["aggregates"]) >= 2
    assert baseline["correlation"] == {"min_members": 2}


def test_policy_language_doc_shows_the_baseline_policy(baseline: dict) -> None:
    doc = (BASELINE.parents[2] / "docs" / "policy-language.md").read_text(encoding="utf-8")
    last_example = doc.rsplit("```yaml\n", 1)[1].split("```", 1)[0]
    shown, errors = parse_rules_yaml(last_example)
    assert errors == []
    assert shown == baseline


def test_the_baseline_policy_auto_publishes_only_structured_types(baseline, catalog) -> None:
    from governance.core.policy_language import free_text_warnings

    assert free_text_warnings(baseline, catalog={t["key"]: t["fields"] for t in catalog}) == []
