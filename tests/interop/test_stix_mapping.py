"""The STIX 2.1 mapping: indicators and notes the OASIS validator accepts, stable and anonymous."""

from __future__ import annotations

import json

import pytest

from sharing import stix
from tests.interop.helpers import (
    assert_valid_bundle,
    assert_valid_object,
    indicator_type,
    shared_indicator,
)

NETWORK = indicator_type(
    "network-infrastructure",
    stix_pattern="[ipv4-addr:value = '{ip}']",
    fields=[
        {"name": "ip", "datatype": "ipv4"},
        {"name": "first_seen", "datatype": "datetime"},
        {"name": "analyst_notes", "datatype": "text"},
    ],
)
CLUSTER = indicator_type("account-cluster", fields=[{"name": "cluster_size"}])
PROXY = indicator_type(
    "proxy-service",
    stix_pattern="[domain-name:value = '{domain}']",
    fields=[{"name": "service_name"}, {"name": "domain"}],
)
SCHEMA_URL = "http://testserver" + stix.EXTENSION_SCHEMA_PATH


def test_indicator_with_pattern_becomes_a_valid_stix_indicator():
    indicator = shared_indicator(
        NETWORK, {"ip": "203.0.113.0/24", "first_seen": "2025-02-01T10:00:00Z"}
    )
    obj = stix.indicator_to_stix(indicator)
    assert obj["type"] == "indicator"
    assert obj["id"] == indicator.stix_id
    assert obj["pattern"] == "[ipv4-addr:value = '203.0.113.0/24']"
    assert obj["pattern_type"] == "stix"
    assert obj["valid_from"] == "2025-03-01T12:30:15.123Z"
    assert obj["valid_until"] == "2025-05-30T12:30:15.123Z"
    assert "revoked" not in obj
    assert_valid_object(obj)


def test_forum_fields_travel_in_the_registered_extension():
    indicator = shared_indicator(NETWORK, {"ip": "203.0.113.0/24"})
    extension = stix.indicator_to_stix(indicator)["extensions"][stix.EXTENSION_ID]
    assert extension == {
        "extension_type": "property-extension",
        "indicator_type": "network-infrastructure",
        "schema_version": 1,
        "redacted_payload": {"ip": "203.0.113.0/24"},
        "redacted_sha256": "b" * 64,
        "policy_version": 3,
        "policy_content_hash": "a" * 64,
        "rule_path": "indicator_types.network-infrastructure",
        "tlp": "TLP:AMBER",
        "pap": "PAP:GREEN",
        "expires": "2025-05-30T12:30:15.123Z",
    }
    definition = stix.extension_definition(SCHEMA_URL)
    assert definition["id"] == stix.EXTENSION_ID
    assert definition["schema"] == SCHEMA_URL
    assert definition["extension_types"] == ["property-extension"]
    assert_valid_object(definition)


@pytest.mark.parametrize(
    "payload",
    [
        {"ip": "hmac:k1:" + "c" * 64},  # pseudonymised: no longer an observable
        {"first_seen": "2025-02-01T10:00:00Z"},  # the pattern field was dropped
        {"ip": "[REDACTED:customer]"},  # stored before the neutral marker
        {"ip": "[removed under policy]"},
    ],
)
def test_redacted_pattern_field_makes_a_note_not_a_false_pattern(payload):
    indicator = shared_indicator(NETWORK, payload)
    obj = stix.indicator_to_stix(indicator)
    assert obj["type"] == "note"
    assert obj["id"] == "note--" + indicator.stix_id.split("--", 1)[1]
    assert "pattern" not in json.dumps(obj)
    assert_valid_object(obj)


def test_type_without_pattern_becomes_a_note():
    obj = stix.indicator_to_stix(shared_indicator(CLUSTER, {"cluster_size": 40}))
    assert obj["type"] == "note"
    assert obj["abstract"] == "Account cluster"
    assert "cluster_size: 40" in obj["content"]
    assert_valid_object(obj)


@pytest.mark.parametrize("tlp", ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"])
def test_tlp_2_markings_use_the_oasis_marking_definitions(tlp):
    obj = stix.indicator_to_stix(shared_indicator(NETWORK, {"ip": "198.51.100.7"}, tlp=tlp))
    tlp_ref, pap_ref = obj["object_marking_refs"]
    assert tlp_ref == stix.TLP2_IDS[tlp]
    marking = stix.tlp_marking(tlp)
    assert marking["id"] == tlp_ref
    assert marking["name"] == f"TLP:{tlp}"
    assert marking["extensions"][stix.TLP2_EXTENSION_ID]["tlp_2_0"] == tlp.lower()
    assert pap_ref == stix.pap_marking_id("GREEN")
    assert_valid_object(marking)


def test_pap_marking_is_a_deterministic_statement_marking():
    first, second = stix.pap_marking("PAP:AMBER"), stix.pap_marking("amber")
    assert first == second
    assert first["definition_type"] == "statement"
    assert first["name"] == "PAP:AMBER"
    assert first["id"] != stix.pap_marking("RED")["id"]
    assert_valid_object(first)


def test_withdrawn_indicator_is_revoked():
    obj = stix.indicator_to_stix(shared_indicator(NETWORK, {"ip": "198.51.100.7"}, withdrawn=True))
    assert obj["revoked"] is True
    assert obj["modified"] > obj["created"]
    assert_valid_object(obj)


def test_anonymized_contributor_is_never_exposed():
    indicator = shared_indicator(NETWORK, {"ip": "198.51.100.7"}, anonymized=True)
    bundle = stix.bundle_for([indicator], schema_url=SCHEMA_URL)
    text = json.dumps(bundle)
    assert stix.indicator_to_stix(indicator)["created_by_ref"] == stix.FORUM_IDENTITY_ID
    assert stix.organization_identity_id(indicator.contributor) not in text
    assert "Acme" not in text and "acme" not in text


def test_named_contributor_is_the_author_with_its_identity_in_the_bundle():
    indicator = shared_indicator(NETWORK, {"ip": "198.51.100.7"}, anonymized=False)
    bundle = stix.bundle_for([indicator], schema_url=SCHEMA_URL)
    author = stix.organization_identity_id(indicator.contributor)
    assert stix.indicator_to_stix(indicator)["created_by_ref"] == author
    identities = [o for o in bundle["objects"] if o["type"] == "identity"]
    assert {o["id"] for o in identities} == {stix.FORUM_IDENTITY_ID, author}


def test_reexport_gives_identical_objects_and_bundle():
    indicators = [
        shared_indicator(NETWORK, {"ip": "198.51.100.7"}, anonymized=False),
        shared_indicator(CLUSTER, {"cluster_size": 12}),
    ]
    first = json.dumps(stix.bundle_for(indicators, schema_url=SCHEMA_URL), sort_keys=True)
    second = json.dumps(stix.bundle_for(indicators, schema_url=SCHEMA_URL), sort_keys=True)
    assert first == second


def test_every_object_of_a_bundle_and_the_bundle_pass_the_oasis_validator():
    indicators = [
        shared_indicator(NETWORK, {"ip": "198.51.100.7"}, tlp="RED", pap="RED"),
        shared_indicator(NETWORK, {"ip": "hmac:k:" + "d" * 64}, tlp="CLEAR", pap="CLEAR"),
        shared_indicator(CLUSTER, {"cluster_size": 3}, anonymized=False, withdrawn=True),
        shared_indicator(PROXY, {"domain": "relay.example", "service_name": "Relay"}),
    ]
    bundle = stix.bundle_for(indicators, schema_url=SCHEMA_URL)
    for obj in bundle["objects"]:
        assert_valid_object(obj)
    assert_valid_bundle(bundle)


def test_plain_stix_indicator_maps_back_to_the_type_whose_template_matches():
    posted = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2025-03-01T00:00:00.000Z",
        "modified": "2025-03-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value='1.2.3.4']",
        "pattern_type": "stix",
        "valid_from": "2025-03-01T00:00:00Z",
    }
    mapped = stix.stix_to_submission(posted, [NETWORK, CLUSTER, PROXY])
    assert mapped.indicator_type == "network-infrastructure"
    assert mapped.payload == {"ip": "1.2.3.4", "first_seen": "2025-03-01T00:00:00Z"}
    assert mapped.client_reference == (
        "stix:indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f@2025-03-01T00:00:00.000Z"
    )


def test_indicator_with_the_extension_maps_back_to_its_type_and_payload():
    posted = {
        "type": "note",
        "id": "note--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "extensions": {
            stix.EXTENSION_ID: {
                "extension_type": "property-extension",
                "indicator_type": "account-cluster",
                "payload": {"cluster_size": 7},
            }
        },
    }
    mapped = stix.stix_to_submission(posted, [NETWORK, CLUSTER])
    assert (mapped.indicator_type, mapped.payload) == ("account-cluster", {"cluster_size": 7})


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"type": "x-thing", "id": "x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}, "unknown"),
        ({"type": "indicator", "id": "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}, "not a"),
        ({"type": "malware", "id": "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}, "accepts"),
        (
            {
                "type": "indicator",
                "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "pattern": "[file:name = 'x.exe']",
                "pattern_type": "stix",
            },
            "matches no indicator type",
        ),
    ],
)
def test_objects_that_do_not_map_are_refused_with_a_reason(obj, message):
    with pytest.raises(stix.StixMappingError, match=message):
        stix.stix_to_submission(obj, [NETWORK, CLUSTER, PROXY])
