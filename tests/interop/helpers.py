"""Helpers of the interop tests: in-memory published indicators and the OASIS validator."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from stix2validator import ValidationOptions, validate_instance, validate_string

from governance.models import IndicatorType, Organization, PolicyVersion
from sharing.models import SharedIndicator, Submission
from sharing.services.publication import stix_id_for

PUBLISHED = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
OPTIONS = ValidationOptions(version="2.1", strict=False)


def assert_valid_object(obj: dict) -> None:
    """Fail unless the OASIS validator accepts `obj` with no error."""
    results = validate_instance(obj, OPTIONS)
    assert results.is_valid, [str(e) for e in results.errors]


def assert_valid_bundle(bundle: dict | str) -> None:
    """Fail unless the OASIS validator accepts the bundle (as served) with no error."""
    text = bundle if isinstance(bundle, str) else json.dumps(bundle)
    results = validate_string(text, OPTIONS)
    assert results.is_valid, [str(e) for r in results.object_results for e in r.errors]


def indicator_type(key: str, *, stix_pattern: str = "", fields=None) -> IndicatorType:
    return IndicatorType(
        key=key,
        name=key.replace("-", " ").capitalize(),
        description=f"Indicators of type {key}.",
        category="test",
        legitimate_interest="Recital 49 GDPR.",
        fields=fields or [],
        fields_hash="0" * 64,
        schema_version=1,
        stix_pattern=stix_pattern,
    )


def shared_indicator(
    itype: IndicatorType,
    payload: dict,
    *,
    tlp: str = "AMBER",
    pap: str = "GREEN",
    anonymized: bool = True,
    withdrawn: bool = False,
    contributor: Organization | None = None,
) -> SharedIndicator:
    """Return an unsaved published indicator of `itype` carrying `payload` (already redacted)."""
    contributor = contributor or Organization(slug="acme", name="Acme AI", kind="member")
    submission = Submission(id=uuid.uuid4(), schema_version=1, organization=contributor)
    version = PolicyVersion(number=3, content_hash="a" * 64)
    withdrawn_at = PUBLISHED + timedelta(days=2) if withdrawn else None
    return SharedIndicator(
        submission=submission,
        indicator_type=itype,
        contributor=contributor,
        anonymized=anonymized,
        redacted_payload=payload,
        redacted_sha256="b" * 64,
        tlp=tlp,
        pap=pap,
        audience=["globex"],
        policy_version=version,
        rule_path="indicator_types.network-infrastructure",
        stix_id=stix_id_for(submission.id),
        published_at=PUBLISHED,
        expires_at=PUBLISHED + timedelta(days=90),
        withdrawn_at=withdrawn_at,
        modified_at=withdrawn_at or PUBLISHED,
    )
