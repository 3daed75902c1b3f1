"""The STIX object of a published indicator equals what the stix2 library builds and prints."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stix2

from governance.models import IndicatorType, Organization, PolicyVersion
from sharing import stix
from sharing.models import SharedIndicator, Submission


def _reference(indicator: SharedIndicator) -> dict:
    """Build the object through stix2, as sharing.stix did before its direct builder."""
    common: dict[str, Any] = {
        "created": stix.stix_timestamp(indicator.published_at),
        "modified": stix.object_version(indicator),
        "created_by_ref": stix.created_by_ref(indicator),
        "object_marking_refs": stix.marking_refs(indicator),
        "extensions": {stix.EXTENSION_ID: stix._extension_properties(indicator)},
    }
    if indicator.withdrawn_at is not None:
        common["revoked"] = True
    itype = indicator.indicator_type
    pattern = stix.pattern_for(indicator)
    if pattern is not None:
        properties: dict[str, Any] = {
            "id": indicator.stix_id,
            "name": itype.name,
            "description": itype.description,
            "indicator_types": ["malicious-activity"],
            "pattern": pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": stix.stix_timestamp(indicator.published_at),
            **common,
        }
        if indicator.expires_at is not None and indicator.expires_at > indicator.published_at:
            properties["valid_until"] = stix.stix_timestamp(indicator.expires_at)
        return json.loads(stix2.v21.Indicator(**properties).serialize())
    note = stix2.v21.Note(
        id=stix.stix_object_id(indicator),
        abstract=itype.name,
        content=stix._summary(indicator.redacted_payload or {}),
        object_refs=[stix.created_by_ref(indicator)],
        **common,
    )
    return json.loads(note.serialize())


def _indicator(*, payload, published, expires, withdrawn, anonymized, tlp, pap, pattern):
    itype = IndicatorType(
        key="network-infrastructure",
        name="Network infrastructure",
        description="An address used to send distillation traffic.",
        stix_pattern=pattern,
        schema_version=3,
    )
    org = Organization(slug="northwind", name="Northwind AI")
    version = PolicyVersion(number=4, content_hash="ab" * 32)
    submission = Submission(id=uuid.uuid4(), schema_version=3)
    return SharedIndicator(
        id=uuid.uuid4(),
        submission=submission,
        indicator_type=itype,
        contributor=org,
        anonymized=anonymized,
        redacted_payload=payload,
        redacted_sha256="cd" * 32,
        tlp=tlp,
        pap=pap,
        audience=["halcyon"],
        policy_version=version,
        rule_path="indicator_types.network-infrastructure",
        stix_id=f"indicator--{uuid.uuid4()}",
        published_at=published,
        expires_at=expires,
        withdrawn_at=withdrawn,
        modified_at=withdrawn or published,
    )


MOMENTS = [
    datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 12, 0, 0, 510000, tzinfo=UTC),
    datetime(2026, 3, 1, 12, 0, 0, 514999, tzinfo=UTC),
    datetime(2026, 3, 1, 12, 0, 0, 7000, tzinfo=UTC),
]
PAYLOADS = [
    {"ip": "203.0.113.0/24", "asn": "AS9009", "analyst_notes": "élan [REDACTED:price]"},
    {"ip": "hmac:k1:" + "0" * 64, "ja3": "a" * 32},
    {"ip": "198.51.100.7", "first_seen": "2026-02-01T00:00:00Z", "count": 12, "ok": True},
    {},
]


@pytest.mark.parametrize("published", MOMENTS)
@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("pattern", ["[ipv4-addr:value = '{ip}']", None])
def test_direct_stix_object_equals_the_stix2_library_output(published, payload, pattern):
    for expires, withdrawn, anonymized, tlp, pap in [
        (None, None, True, "AMBER", "GREEN"),
        (published + timedelta(days=90), None, False, "AMBER+STRICT", "AMBER"),
        (published + timedelta(days=1, milliseconds=120), published + timedelta(hours=2),
         True, "GREEN", "CLEAR"),
        (published, None, False, "RED", "RED"),
    ]:  # fmt: skip
        indicator = _indicator(
            payload=payload, published=published, expires=expires, withdrawn=withdrawn,
            anonymized=anonymized, tlp=tlp, pap=pap, pattern=pattern,
        )  # fmt: skip
        built = stix.indicator_to_stix(indicator)
        assert built == _reference(indicator)
        assert json.dumps(built) == json.dumps(_reference(indicator))
