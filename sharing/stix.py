"""STIX 2.1 mapping of published indicators, and back from STIX to an indicator type.

Every id is a uuid5 in the forum's namespace, and every timestamp comes from the database, so
exporting the same indicator twice gives byte-identical objects. Only the redacted payload
ever leaves through this module.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stix2

from governance.models import IndicatorType, Organization
from sharing.core.redaction import NEUTRAL_MARKER
from sharing.models import SharedIndicator

NAMESPACE = uuid.UUID("7d6b1f0e-3c2a-5e47-9a1b-c40de1a2f7b3")
# Fixed creation time of the forum's own definitions (identity, extension, PAP markings).
DEFINITIONS_CREATED = datetime(2024, 1, 1, tzinfo=UTC)

FORUM_IDENTITY_ID = f"identity--{uuid.uuid5(NAMESPACE, 'forum')}"
EXTENSION_ID = f"extension-definition--{uuid.uuid5(NAMESPACE, 'extension:indicator:v1')}"
EXTENSION_VERSION = "1.0.0"
EXTENSION_SCHEMA_PATH = "/taxii2/schemas/clearroom-indicator-v1.json"

# The OASIS TLP 2.0 marking definitions (oasis-open/cti-stix-common-objects), fixed ids.
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED_BY = "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01"
TLP2_IDS = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
PAP_LEVELS = ("CLEAR", "GREEN", "AMBER", "RED")
_PAP_IDS = {
    level: f"marking-definition--{uuid.uuid5(NAMESPACE, f'pap:{level}')}" for level in PAP_LEVELS
}
PAP_STATEMENTS = {
    "CLEAR": "PAP:CLEAR - recipients may use the information without restriction.",
    "GREEN": "PAP:GREEN - active actions allowed (e.g. blocking) where visible to the adversary.",
    "AMBER": "PAP:AMBER - passive cross-checks only; no action visible to the adversary.",
    "RED": "PAP:RED - non-detectable use only, e.g. in the recipient's own logs.",
}

# STIX 2.1 object types: anything else in an envelope is unknown and refuses the envelope.
STIX_TYPES = frozenset(
    {
        "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident",
        "indicator", "infrastructure", "intrusion-set", "location", "malware",
        "malware-analysis", "note", "observed-data", "opinion", "report", "threat-actor",
        "tool", "vulnerability", "relationship", "sighting", "marking-definition",
        "extension-definition", "language-content", "artifact", "autonomous-system",
        "directory", "domain-name", "email-addr", "email-message", "file", "ipv4-addr",
        "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process", "software", "url",
        "user-account", "windows-registry-key", "x509-certificate",
    }
)  # fmt: skip
ACCEPTED_TYPES = frozenset({"indicator", "note"})
_ID_RE = re.compile(r"^(?P<type>[a-z0-9][a-z0-9-]{1,248}[a-z0-9])--[0-9a-fA-F-]{36}$")


def stix_timestamp(moment: datetime) -> str:
    """Return `moment` as a STIX timestamp in UTC with millisecond precision (truncated)."""
    # isoformat truncates to the millisecond, as `microsecond // 1000` did; it is C code.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def _serializable(obj) -> dict:
    return json.loads(obj.serialize())


# --------------------------------------------------------------------------------------------
# Identities, markings and the extension definition


def organization_identity_id(organization: Organization) -> str:
    """Return the deterministic identity id of a member organization."""
    return _identity_id_of_slug(organization.slug)


@functools.lru_cache(maxsize=1024)
def _identity_id_of_slug(slug: str) -> str:
    return f"identity--{uuid.uuid5(NAMESPACE, f'organization:{slug}')}"


def forum_identity() -> dict:
    """Return the identity of the forum, author of anonymized indicators and definitions."""
    return _serializable(
        stix2.v21.Identity(
            id=FORUM_IDENTITY_ID,
            created=DEFINITIONS_CREATED,
            modified=DEFINITIONS_CREATED,
            name="Clearroom forum",
            identity_class="organization",
            description="The industry forum that publishes indicators through Clearroom.",
        )
    )


def organization_identity(organization: Organization) -> dict:
    """Return the identity object of a (non-anonymized) contributor."""
    return _serializable(
        stix2.v21.Identity(
            id=organization_identity_id(organization),
            created=DEFINITIONS_CREATED,
            modified=DEFINITIONS_CREATED,
            created_by_ref=FORUM_IDENTITY_ID,
            name=organization.name,
            identity_class="organization",
        )
    )


def tlp_marking(level: str) -> dict:
    """Return the OASIS TLP 2.0 marking-definition object of `level` (e.g. AMBER+STRICT)."""
    level = normalize_level(level, "TLP")
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[level],
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{level}",
        "extensions": {
            TLP2_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": level.lower(),
            }
        },
        "created_by_ref": TLP2_CREATED_BY,
    }


def pap_marking_id(level: str) -> str:
    """Return the deterministic id of the forum's PAP marking of `level`."""
    return _PAP_IDS[normalize_level(level, "PAP")]


def pap_marking(level: str) -> dict:
    """Return the forum's statement marking-definition for PAP `level`."""
    level = normalize_level(level, "PAP")
    return _serializable(
        stix2.v21.MarkingDefinition(
            id=pap_marking_id(level),
            created=DEFINITIONS_CREATED,
            created_by_ref=FORUM_IDENTITY_ID,
            name=f"PAP:{level}",
            definition_type="statement",
            definition=stix2.v21.StatementMarking(statement=PAP_STATEMENTS[level]),
        )
    )


def normalize_level(level: str, prefix: str) -> str:
    """Return a TLP or PAP level without its prefix, upper case; raise ValueError if unknown."""
    if type(level) is str and (level, prefix) in _CANONICAL_LEVELS:
        return level  # already canonical (every stored marking): no string work per object
    text = str(level).strip().upper().removeprefix(f"{prefix}:")
    known = TLP2_IDS if prefix == "TLP" else PAP_LEVELS
    if text not in known:
        raise ValueError(f"unknown {prefix} level {level!r}")
    return text


_CANONICAL_LEVELS = frozenset(
    {(level, "TLP") for level in TLP2_IDS} | {(level, "PAP") for level in PAP_LEVELS}
)


def extension_schema() -> dict:
    """Return the JSON Schema of the forum's property extension (served by the app)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": EXTENSION_SCHEMA_PATH,
        "title": "Clearroom indicator",
        "description": (
            "Forum fields of an indicator published through Clearroom: the indicator type of "
            "the forum catalog, its redacted payload, and the policy rule that allowed it."
        ),
        "type": "object",
        "properties": {
            "extension_type": {"const": "property-extension"},
            "indicator_type": {"type": "string", "description": "Key of the catalog type."},
            "schema_version": {"type": "integer", "minimum": 1},
            "redacted_payload": {
                "type": "object",
                "description": "The payload after the policy's redactions (published form).",
            },
            "payload": {
                "type": "object",
                "description": "On submission only: the payload a member submits for review.",
            },
            "redacted_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "policy_version": {"type": "integer", "minimum": 1},
            "policy_content_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "rule_path": {"type": "string"},
            "tlp": {"enum": [f"TLP:{level}" for level in TLP2_IDS]},
            "pap": {"enum": [f"PAP:{level}" for level in PAP_LEVELS]},
            "expires": {"type": "string", "format": "date-time"},
        },
        "required": ["extension_type", "indicator_type"],
        "additionalProperties": False,
    }


def extension_definition(schema_url: str) -> dict:
    """Return the extension-definition object; `schema_url` is where the app serves the schema."""
    return _serializable(
        stix2.v21.ExtensionDefinition(
            id=EXTENSION_ID,
            created=DEFINITIONS_CREATED,
            modified=DEFINITIONS_CREATED,
            created_by_ref=FORUM_IDENTITY_ID,
            name="Clearroom indicator",
            description="Forum fields of indicators published through Clearroom.",
            schema=schema_url,
            version=EXTENSION_VERSION,
            extension_types=["property-extension"],
        )
    )


def definitions(schema_url: str) -> list[dict]:
    """Return the forum's fixed objects: identity, extension, TLP 2.0 and PAP markings."""
    return [
        forum_identity(),
        extension_definition(schema_url),
        *(tlp_marking(level) for level in TLP2_IDS),
        *(pap_marking(level) for level in PAP_LEVELS),
    ]


# --------------------------------------------------------------------------------------------
# Published indicator -> STIX


_PLACEHOLDER_RE = re.compile(r"\{([a-z0-9_]+)\}")
_STIX_UNSAFE_RE = re.compile(r"['\\]")


def _filled_pattern(template: str, payload: dict) -> str | None:
    """Return the template filled with redacted values, or None when a value cannot be used.

    A value that was dropped, pseudonymised or scrubbed no longer names the observable, so the
    indicator is exported as a note instead of a pattern that would match nothing.
    """
    # Literal text and placeholder names alternate: [text, name, text, ..., text].
    parts = list(_template_parts(template))
    for index in range(1, len(parts), 2):
        value = payload.get(parts[index])
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            return None
        text = str(value)
        if (
            not text
            or text.startswith(("oprf:", "hmac:"))
            or "[REDACTED" in text
            or NEUTRAL_MARKER in text
        ):
            return None
        if _STIX_UNSAFE_RE.search(text):
            return None
        parts[index] = text
    return "".join(parts)


@functools.lru_cache(maxsize=128)
def _template_parts(template: str) -> tuple[str, ...]:
    return tuple(_PLACEHOLDER_RE.split(template))


def pattern_for(indicator: SharedIndicator) -> str | None:
    """Return the STIX pattern of a published indicator, or None when it has none."""
    template = indicator.indicator_type.stix_pattern
    if not template:
        return None
    return _filled_pattern(template, indicator.redacted_payload or {})


def _extension_properties(indicator: SharedIndicator, expires: str | None = None) -> dict:
    """Return the forum's extension of the object; `expires`: the STIX timestamp of
    `expires_at`, when the caller already formatted it."""
    properties: dict[str, Any] = {
        "extension_type": "property-extension",
        "indicator_type": indicator.indicator_type.key,
        "schema_version": indicator.submission.schema_version,
        "redacted_payload": indicator.redacted_payload,
        "redacted_sha256": indicator.redacted_sha256,
        "policy_version": indicator.policy_version.number,
        "policy_content_hash": indicator.policy_version.content_hash,
        "rule_path": indicator.rule_path,
        "tlp": f"TLP:{normalize_level(indicator.tlp, 'TLP')}",
        "pap": f"PAP:{normalize_level(indicator.pap, 'PAP')}",
    }
    if indicator.expires_at is not None:
        properties["expires"] = expires or stix_timestamp(indicator.expires_at)
    return properties


def created_by_ref(indicator: SharedIndicator) -> str:
    """Return the author of the STIX object: the forum when the contributor is anonymized."""
    if indicator.anonymized:
        return FORUM_IDENTITY_ID
    return organization_identity_id(indicator.contributor)


def object_version(indicator: SharedIndicator) -> str:
    """Return the STIX `modified` of the indicator's current (and only) version."""
    return stix_timestamp(indicator.modified_at)


def marking_refs(indicator: SharedIndicator) -> list[str]:
    """Return the marking-definition ids (TLP 2.0 and PAP) applied to an indicator."""
    return [
        TLP2_IDS[normalize_level(indicator.tlp, "TLP")],
        pap_marking_id(indicator.pap),
    ]


def stix_object_id(indicator: SharedIndicator) -> str:
    """Return the STIX id the indicator is exported under (indicator-- or note--)."""
    if pattern_for(indicator) is not None:
        return indicator.stix_id
    return f"note--{indicator.stix_id.split('--', 1)[1]}"


def _summary(payload: dict) -> str:
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in payload.items()]
    return "\n".join(lines) or "(every field was redacted)"


def _any_precision(stamp: str) -> str:
    """Return a millisecond STIX timestamp as stix2 prints a property of any precision."""
    whole, _, fraction = stamp[:-1].partition(".")
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}Z" if fraction else f"{whole}Z"


def indicator_to_stix(indicator: SharedIndicator) -> dict:
    """Return the STIX 2.1 object (an indicator, or a note) of a published indicator.

    Built as plain JSON data in the property order and timestamp precision of the `stix2`
    library's serialisation, which it equals (tests/sharing/test_stix.py): the
    library's object construction was most of a TAXII page's time (docs/performance.md).
    """
    # A fresh copy in plain JSON types, as the library's serialisation returned.
    return json.loads(json.dumps(stix_object(indicator)))


def stix_object(indicator) -> dict:
    """Return the object `indicator_to_stix` returns, without its defensive deep copy.

    `indicator` is a SharedIndicator, or any object with the same attributes (the TAXII page
    reads rows, not model instances). The result shares the indicator's `redacted_payload`,
    so it is for serialising at once (a TAXII page), not for keeping or changing.
    """
    itype: IndicatorType = indicator.indicator_type
    pattern = pattern_for(indicator)
    author = created_by_ref(indicator)
    # Each timestamp is formatted once (`created` and `valid_from`, `valid_until` and `expires`).
    created = stix_timestamp(indicator.published_at)
    expires_at = indicator.expires_at
    expires = None if expires_at is None else stix_timestamp(expires_at)
    common_head = {
        "spec_version": "2.1",
        "id": indicator.stix_id
        if pattern is not None
        else f"note--{indicator.stix_id.split('--', 1)[1]}",  # as stix_object_id
        "created_by_ref": author,
        "created": created,
        "modified": object_version(indicator),
    }
    if pattern is not None:
        obj: dict[str, Any] = {
            "type": "indicator",
            **common_head,
            "name": itype.name,
            "description": itype.description,
            "indicator_types": ["malicious-activity"],
            "pattern": pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": _any_precision(created),
        }
        if expires is not None and expires_at > indicator.published_at:
            obj["valid_until"] = _any_precision(expires)
    else:
        obj = {
            "type": "note",
            **common_head,
            "abstract": itype.name,
            "content": _summary(indicator.redacted_payload or {}),
            "object_refs": [author],
        }
    if indicator.withdrawn_at is not None:
        obj["revoked"] = True
    obj["object_marking_refs"] = marking_refs(indicator)
    obj["extensions"] = {EXTENSION_ID: _extension_properties(indicator, expires)}
    return obj


def referenced_identities(indicators) -> list[dict]:
    """Return the identity objects of the non-anonymized contributors of `indicators`."""
    seen: dict[str, dict] = {}
    for indicator in indicators:
        if not indicator.anonymized:
            identity = organization_identity(indicator.contributor)
            seen.setdefault(identity["id"], identity)
    return [seen[key] for key in sorted(seen)]


def bundle_id(objects: list[dict]) -> str:
    """Return a bundle id derived from the ids and versions of its objects."""
    key = "\n".join(f"{o['id']}@{o.get('modified', o.get('created', ''))}" for o in objects)
    return f"bundle--{uuid.uuid5(NAMESPACE, key)}"


def bundle_for(indicators, *, schema_url: str) -> dict:
    """Return a STIX bundle of `indicators` with every object they reference."""
    indicators = list(indicators)
    objects = [
        *definitions(schema_url),
        *referenced_identities(indicators),
        *(indicator_to_stix(i) for i in indicators),
    ]
    return {"type": "bundle", "id": bundle_id(objects), "objects": objects}


# --------------------------------------------------------------------------------------------
# STIX -> indicator type and payload (TAXII POST)


class StixMappingError(ValueError):
    """A STIX object that does not map to an indicator type of the catalog."""


@dataclass(frozen=True)
class MappedObject:
    indicator_type: str
    payload: dict
    client_reference: str


def check_envelope_object(obj: Any) -> str:
    """Return the object's type; raise StixMappingError for a malformed or unknown object."""
    if not isinstance(obj, dict):
        raise StixMappingError("every object must be a JSON object")
    object_type, object_id = obj.get("type"), obj.get("id")
    if not isinstance(object_type, str) or not isinstance(object_id, str):
        raise StixMappingError("every object needs a string `type` and `id`")
    match = _ID_RE.match(object_id)
    if match is None or match.group("type") != object_type:
        raise StixMappingError(f"`{object_id}` is not a STIX id of type `{object_type}`")
    if object_type not in STIX_TYPES:
        raise StixMappingError(f"unknown STIX object type `{object_type}`")
    return object_type


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z0-9_]+\})", template)
    regex = ""
    for part in parts:
        placeholder = _PLACEHOLDER_RE.fullmatch(part)
        if placeholder:
            regex += f"(?P<{placeholder.group(1)}>[^'\\\\]+)"
        else:
            regex += r"\s*".join(re.escape(token) for token in part.split())
    return re.compile(rf"^\s*{regex}\s*$")


def _payload_from_pattern(obj: dict, itype: IndicatorType, values: dict[str, str]) -> dict:
    # Plain STIX properties fill the catalog field of the same meaning, when the type has it.
    field_names = {spec["name"] for spec in itype.fields}
    payload: dict[str, Any] = dict(values)
    if "first_seen" in field_names and isinstance(obj.get("valid_from"), str):
        payload.setdefault("first_seen", obj["valid_from"])
    if "service_name" in field_names and isinstance(obj.get("name"), str):
        payload.setdefault("service_name", obj["name"])
    if "analyst_notes" in field_names and isinstance(obj.get("description"), str):
        payload.setdefault("analyst_notes", obj["description"])
    return payload


def client_reference_for(obj: dict) -> str:
    """Return the idempotency key of a posted object: its id and version."""
    return f"stix:{obj['id']}@{obj.get('modified') or obj.get('created') or ''}"[:200]


def stix_to_submission(obj: dict, types: list[IndicatorType]) -> MappedObject:
    """Map a posted indicator or note to (indicator type key, payload, client reference)."""
    object_type = check_envelope_object(obj)
    if object_type not in ACCEPTED_TYPES:
        raise StixMappingError(
            f"Clearroom accepts indicator and note objects, not `{object_type}`."
        )
    reference = client_reference_for(obj)
    extension = (obj.get("extensions") or {}).get(EXTENSION_ID)
    if extension is not None:
        if not isinstance(extension, dict) or not isinstance(extension.get("indicator_type"), str):
            raise StixMappingError("the Clearroom extension needs an `indicator_type`")
        payload = extension.get("payload", extension.get("redacted_payload"))
        if not isinstance(payload, dict):
            raise StixMappingError("the Clearroom extension needs a `payload` object")
        return MappedObject(extension["indicator_type"], payload, reference)
    if object_type != "indicator":
        raise StixMappingError("a note is accepted only with the Clearroom extension")
    if obj.get("pattern_type") != "stix" or not isinstance(obj.get("pattern"), str):
        raise StixMappingError("only indicators with a STIX pattern can be mapped")
    matches = []
    for itype in types:
        if not itype.stix_pattern:
            continue
        found = _template_regex(itype.stix_pattern).match(obj["pattern"])
        if found:
            matches.append((itype, found.groupdict()))
    if not matches:
        raise StixMappingError(
            "the pattern matches no indicator type of the catalog; use the Clearroom extension"
        )
    if len(matches) > 1:
        keys = ", ".join(sorted(itype.key for itype, _ in matches))
        raise StixMappingError(
            f"the pattern matches several indicator types ({keys}); use the Clearroom extension"
        )
    itype, values = matches[0]
    return MappedObject(itype.key, _payload_from_pattern(obj, itype, values), reference)
