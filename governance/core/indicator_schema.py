"""Indicator-type catalog and payload validation by JSON Schema generated from field specs.

Pure module (no Django). A field spec is a dict::

    {name, label, datatype, sensitivity, required=False, many=False, help,
     max_length (string, text), max_items (many), choices (enum), minimum, maximum (numbers)}

Value rules: `integer` is a JSON integer (never a float or boolean); `decimal` is a finite JSON
number (strings are refused so that `minimum`/`maximum` always apply); `asn` is "AS" plus
digits or an integer; `country` is an uppercase ISO 3166-1 alpha-2 code; `datetime` is RFC 3339
with a time zone; a `many` field is a non-empty list of distinct values; null is refused (omit
an optional field instead); text must not be empty.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import math
import re
import string
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import yaml

from governance.core.canonical import canonical_sha256
from governance.core.field_actions import ALL_DATATYPES
from governance.core.schema_messages import json_kind, schema_message, show

CATALOG_PATH = Path(__file__).resolve().parent.parent / "catalog" / "indicator_types.yaml"

SENSITIVITIES = ("technical", "personal", "competitive", "restricted")
DATATYPES = frozenset(ALL_DATATYPES)
STRING_DATATYPES = frozenset({"string", "text"})
NUMBER_DATATYPES = frozenset({"integer", "decimal"})
DEFAULT_MAX_ITEMS = 100

# Keys that change what a payload may hold or how policy treats it; label and help do not.
HASHED_FIELD_KEYS = (
    "name",
    "datatype",
    "sensitivity",
    "required",
    "many",
    "max_length",
    "max_items",
    "choices",
    "minimum",
    "maximum",
)
_FIELD_KEYS = frozenset(HASHED_FIELD_KEYS) | {"label", "help"}
_TYPE_KEYS = frozenset(
    {
        "key",
        "name",
        "description",
        "category",
        "legitimate_interest",
        "stix_pattern",
        "fields",
    }
)
_KEY_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

# ISO 3166-1 alpha-2 officially assigned codes (249); user-assigned codes such as XK are not.
_COUNTRY_TABLE = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRY_CODES = frozenset(_COUNTRY_TABLE.split())


class CatalogError(ValueError):
    """Raised when the indicator-type catalog is malformed; `problems` lists every defect."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid indicator-type catalog:\n- " + "\n- ".join(problems))
        self.problems = problems


# --- catalog ---------------------------------------------------------------------------------


def load_catalog(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Load the catalog YAML, validate it and return its types with field defaults filled."""
    source = Path(path) if path is not None else CATALOG_PATH
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("indicator_types"), list):
        raise CatalogError([f"{source}: expected a mapping with an 'indicator_types' list"])
    types = [_normalise_type(t) for t in document["indicator_types"]]
    problems = check_catalog(types)
    if problems:
        raise CatalogError(problems)
    return types


def _normalise_type(entry: Any) -> Any:
    if not isinstance(entry, dict) or not isinstance(entry.get("fields"), list):
        return entry
    fields = [
        {"required": False, "many": False, **f} if isinstance(f, dict) else f
        for f in entry["fields"]
    ]
    return {**entry, "fields": fields}


def check_catalog(types: list[Any]) -> list[str]:
    """Return every problem of a list of indicator types (empty when valid)."""
    problems: list[str] = []
    seen: set[str] = set()
    for index, entry in enumerate(types):
        if not isinstance(entry, dict):
            problems.append(f"type #{index}: must be a mapping")
            continue
        key = entry.get("key")
        where = f"type {key!r}" if isinstance(key, str) else f"type #{index}"
        if not isinstance(key, str) or not _KEY_RE.match(key):
            problems.append(f"{where}: key must be lowercase words joined by hyphens")
        elif key in seen:
            problems.append(f"{where}: duplicate key")
        else:
            seen.add(key)
        missing = sorted(_TYPE_KEYS - set(entry))
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
        unknown = sorted(set(entry) - _TYPE_KEYS)
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(unknown)}")
        for text_key in ("name", "description", "category", "legitimate_interest"):
            if text_key in entry and not (
                isinstance(entry[text_key], str) and entry[text_key].strip()
            ):
                problems.append(f"{where}: {text_key} must be non-empty text")
        fields = entry.get("fields")
        if not isinstance(fields, list) or not fields:
            problems.append(f"{where}: fields must be a non-empty list")
            continue
        problems.extend(f"{where}: {p}" for p in check_fields(fields))
        problems.extend(
            f"{where}: {p}" for p in _check_stix_pattern(entry.get("stix_pattern"), fields)
        )
    return problems


def check_fields(fields: list[Any]) -> list[str]:
    """Return every problem of a list of field specs (empty when valid)."""
    problems: list[str] = []
    names: set[str] = set()
    for index, spec in enumerate(fields):
        if not isinstance(spec, dict):
            problems.append(f"field #{index}: must be a mapping")
            continue
        name = spec.get("name")
        where = f"field {name!r}" if isinstance(name, str) else f"field #{index}"
        if not isinstance(name, str) or not _FIELD_NAME_RE.match(name):
            problems.append(f"{where}: name must be lowercase letters, digits and underscores")
        elif name in names:
            problems.append(f"{where}: duplicate field name")
        else:
            names.add(name)
        unknown = sorted(set(spec) - _FIELD_KEYS)
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(unknown)}")
        if not isinstance(spec.get("label"), str) or not spec["label"].strip():
            problems.append(f"{where}: label must be non-empty text")
        datatype = spec.get("datatype")
        if datatype not in DATATYPES:
            problems.append(
                f"{where}: unknown datatype {datatype!r}; known: {', '.join(sorted(DATATYPES))}"
            )
        if spec.get("sensitivity") not in SENSITIVITIES:
            problems.append(
                f"{where}: sensitivity must be one of {', '.join(SENSITIVITIES)}, "
                f"not {spec.get('sensitivity')!r}"
            )
        for flag in ("required", "many"):
            if not isinstance(spec.get(flag, False), bool):
                problems.append(f"{where}: {flag} must be true or false")
        problems.extend(f"{where}: {p}" for p in _check_limits(spec, datatype))
    return problems


def _check_limits(spec: dict[str, Any], datatype: Any) -> list[str]:
    problems: list[str] = []
    if datatype == "enum":
        choices = spec.get("choices")
        if (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) and c for c in choices)
            or len(set(choices)) != len(choices)
        ):
            problems.append("an enum needs a non-empty list of distinct text choices")
    elif "choices" in spec:
        problems.append("choices are only for enum fields")
    if datatype in STRING_DATATYPES:
        if not _positive_int(spec.get("max_length")):
            problems.append(f"a {datatype} field needs a positive integer max_length")
    elif "max_length" in spec:
        problems.append("max_length is only for string and text fields")
    if "max_items" in spec and (not spec.get("many") or not _positive_int(spec["max_items"])):
        problems.append("max_items must be a positive integer on a many field")
    for bound in ("minimum", "maximum"):
        if bound in spec and (
            datatype not in NUMBER_DATATYPES
            or isinstance(spec[bound], bool)
            or not isinstance(spec[bound], int | float)
        ):
            problems.append(f"{bound} must be a number on an integer or decimal field")
    return problems


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_stix_pattern(pattern: Any, fields: list[Any]) -> list[str]:
    if pattern is None:
        return []
    if not isinstance(pattern, str) or not pattern.strip():
        return ["stix_pattern must be a pattern template or null"]
    by_name = {f.get("name"): f for f in fields if isinstance(f, dict)}
    problems = []
    try:
        placeholders = [p[1] for p in string.Formatter().parse(pattern) if p[1] is not None]
    except ValueError as exc:
        return [f"stix_pattern is not a valid template: {exc}"]
    if not placeholders:
        problems.append("stix_pattern has no {field} placeholder")
    for name in placeholders:
        spec = by_name.get(name)
        if spec is None:
            problems.append(f"stix_pattern names unknown field {name!r}")
        elif not spec.get("required") or spec.get("many"):
            problems.append(f"stix_pattern field {name!r} must be required and single-valued")
    return problems


def fields_by_type(catalog: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Return {type key: fields} for a loaded catalog (the shape validate_rules takes)."""
    return {entry["key"]: entry["fields"] for entry in catalog}


def fields_hash(fields: list[dict[str, Any]]) -> str:
    """Return the hex SHA-256 of the RFC 8785 form of the fields' schema-relevant keys.

    Label and help are left out and fields are sorted by name: rewording a label or reordering
    the form does not change what a payload may hold, so it must not force a schema_version bump.
    """
    projected = []
    for spec in sorted(fields, key=lambda f: f["name"]):
        entry = {k: spec[k] for k in HASHED_FIELD_KEYS if k in spec}
        entry.setdefault("required", False)
        entry.setdefault("many", False)
        projected.append(entry)
    return canonical_sha256(projected)


# --- formats ---------------------------------------------------------------------------------


class FormatProblem(ValueError):
    """Raised by a format check with the message a person can act on."""


_DOMAIN_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
_EMAIL_LOCAL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")
_SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
_ASN_RE = re.compile(r"^AS([0-9]{1,10})$")
_DATETIME_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
_URL_SCHEMES = ("http", "https", "ftp", "ws", "wss")
_MAX_ASN = 4_294_967_295


def _is_domain(value: str) -> bool:
    if len(value) > 253 or value.endswith("."):
        return False
    labels = value.split(".")
    return (
        len(labels) >= 2
        and all(_DOMAIN_LABEL_RE.match(label) for label in labels)
        and not labels[-1].isdigit()
    )


def check_ipv4(value: Any) -> bool:
    """Accept a dotted-quad IPv4 address."""
    if isinstance(value, str):
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            raise FormatProblem(
                f"{show(value)} is not a valid IPv4 address (expected e.g. 203.0.113.7)"
            ) from None
    return True


def check_ipv6(value: Any) -> bool:
    """Accept an IPv6 address without a zone index."""
    if isinstance(value, str):
        try:
            if "%" in value:
                raise ValueError(value)
            ipaddress.IPv6Address(value)
        except ValueError:
            raise FormatProblem(
                f"{show(value)} is not a valid IPv6 address (expected e.g. 2001:db8::1)"
            ) from None
    return True


def check_cidr(value: Any) -> bool:
    """Accept an IPv4 or IPv6 network in CIDR notation with no host bits set."""
    if not isinstance(value, str):
        return True
    if "/" not in value:
        raise FormatProblem(
            f"{show(value)} is not in CIDR notation: add the prefix length, e.g. 203.0.113.0/24"
        )
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise FormatProblem(
            f"{show(value)} is not a valid CIDR range (expected e.g. 203.0.113.0/24)"
        ) from None
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        network = ipaddress.ip_network(value, strict=False)
        raise FormatProblem(
            f"{show(value)} has host bits set; write the network as {network}"
        ) from None
    return True


def check_domain(value: Any) -> bool:
    """Accept a fully qualified domain name (punycode for internationalised names)."""
    if isinstance(value, str) and not _is_domain(value):
        raise FormatProblem(
            f"{show(value)} is not a valid domain name (expected e.g. example.com, "
            "without a scheme or trailing dot; use punycode for internationalised names)"
        )
    return True


def check_email(value: Any) -> bool:
    """Accept local@domain with a dot-atom local part."""
    if not isinstance(value, str):
        return True
    local, at, domain = value.rpartition("@")
    if (
        not at
        or len(value) > 254
        or not _EMAIL_LOCAL_RE.match(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or not _is_domain(domain)
    ):
        raise FormatProblem(
            f"{show(value)} is not a valid email address (expected e.g. name@example.com)"
        )
    return True


def check_url(value: Any) -> bool:
    """Accept an absolute http(s), ftp or ws(s) URL with a host."""
    if not isinstance(value, str):
        return True
    problem = FormatProblem(
        f"{show(value)} is not a valid URL (expected an absolute "
        f"{', '.join(_URL_SCHEMES)} URL such as https://example.com/path)"
    )
    if len(value) > 2048 or any(c.isspace() for c in value):
        raise problem
    try:
        parts = urlsplit(value)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise problem from None
    if parts.scheme.lower() not in _URL_SCHEMES or not host:
        raise problem
    if not _is_domain(host) and host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise problem from None
    return True


def check_sha256(value: Any) -> bool:
    """Accept 64 hexadecimal characters."""
    if isinstance(value, str) and not _SHA256_RE.match(value):
        raise FormatProblem(
            f"{show(value)} is not a SHA-256 hex digest (64 hexadecimal characters, "
            f"got {len(value)} characters)"
        )
    return True


def check_country(value: Any) -> bool:
    """Accept an uppercase ISO 3166-1 alpha-2 code."""
    if not isinstance(value, str) or value in COUNTRY_CODES:
        return True
    if value.upper() in COUNTRY_CODES:
        raise FormatProblem(f"{show(value)} must be uppercase: {value.upper()!r}")
    raise FormatProblem(
        f"{show(value)} is not an ISO 3166-1 alpha-2 country code (expected e.g. DE, US, JP)"
    )


def check_asn(value: Any) -> bool:
    """Accept "AS" followed by digits, or an integer, within 0..4294967295."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        match = _ASN_RE.match(value)
        if not match:
            raise FormatProblem(
                f"{show(value)} is not an AS number (write AS followed by digits, e.g. "
                "AS13335, or the number alone)"
            )
        number = int(match.group(1))
    else:
        return True
    if not 0 <= number <= _MAX_ASN:
        raise FormatProblem(f"{show(value)} is outside the AS number range 0..{_MAX_ASN}")
    return True


def check_datetime(value: Any) -> bool:
    """Accept an RFC 3339 date-time with a time zone."""
    if not isinstance(value, str):
        return True
    problem = FormatProblem(
        f"{show(value)} is not an RFC 3339 date-time with a time zone "
        "(expected e.g. 2025-05-01T13:45:00Z or 2025-05-01T15:45:00+02:00)"
    )
    match = _DATETIME_RE.match(value)
    if not match:
        raise problem
    date, clock, fraction, zone = match.groups()
    fraction = (fraction or "")[:7]  # Python parses at most microseconds
    zone = "+00:00" if zone.upper() == "Z" else zone
    try:
        datetime.fromisoformat(f"{date}T{clock}{fraction}{zone}")
    except ValueError:
        raise problem from None
    return True


def check_decimal(value: Any) -> bool:
    """Accept a finite number."""
    if isinstance(value, float) and not math.isfinite(value):
        raise FormatProblem(f"{show(value)} is not a finite number")
    return True


FORMAT_CHECKS = {
    "ipv4": check_ipv4,
    "ipv6": check_ipv6,
    "cidr": check_cidr,
    "domain": check_domain,
    "email": check_email,
    "url": check_url,
    "sha256": check_sha256,
    "country": check_country,
    "asn": check_asn,
    "datetime": check_datetime,
    "decimal": check_decimal,
}

FORMAT_CHECKER = jsonschema.FormatChecker(formats=())
for _name, _check in FORMAT_CHECKS.items():
    FORMAT_CHECKER.checks(_name, raises=FormatProblem)(_check)


# --- JSON Schema -----------------------------------------------------------------------------

_TYPE_CHECKER = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
)
PayloadValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, type_checker=_TYPE_CHECKER
)

_JSON_TYPE = {
    "string": "string",
    "text": "string",
    "integer": "integer",
    "decimal": "number",
    "enum": "string",
    "asn": ["string", "integer"],
}


def _value_schema(spec: Mapping[str, Any]) -> dict[str, Any]:
    datatype = spec["datatype"]
    schema: dict[str, Any] = {"type": _JSON_TYPE.get(datatype, "string")}
    if datatype in STRING_DATATYPES:
        schema["minLength"] = 1
        schema["maxLength"] = spec["max_length"]
    elif datatype == "enum":
        schema["enum"] = list(spec["choices"])
    elif datatype in FORMAT_CHECKS:
        schema["format"] = datatype
    for bound in ("minimum", "maximum"):
        if bound in spec:
            schema[bound] = spec[bound]
    return schema


def json_schema_for(fields: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the draft 2020-12 JSON Schema of a payload of these fields."""
    properties: dict[str, Any] = {}
    for spec in fields:
        value = _value_schema(spec)
        if spec.get("many"):
            value = {
                "type": "array",
                "items": value,
                "minItems": 1,
                "maxItems": spec.get("max_items", DEFAULT_MAX_ITEMS),
                "uniqueItems": True,
            }
        value["title"] = spec.get("label", spec["name"])
        if spec.get("help"):
            value["description"] = spec["help"]
        value["x-datatype"] = spec["datatype"]
        value["x-sensitivity"] = spec["sensitivity"]
        properties[spec["name"]] = value
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": [f["name"] for f in fields if f.get("required")],
        "additionalProperties": False,
    }


@functools.lru_cache(maxsize=256)
def _validator_for(fields_key: str) -> jsonschema.protocols.Validator:
    schema = json_schema_for(json.loads(fields_key))
    return PayloadValidator(schema, format_checker=FORMAT_CHECKER)


def validate_payload(fields: list[dict[str, Any]], payload: Any) -> list[dict[str, str]]:
    """Return the problems of `payload` against `fields` as [{"field", "message"}] (empty: valid).

    A problem with the payload as a whole has field "(payload)"; a problem with one entry of a
    list field names the field and says which entry ("entry 2 of 3: ...").
    """
    if not isinstance(payload, dict):
        return [
            {"field": "(payload)", "message": f"must be a JSON object, not {json_kind(payload)}"}
        ]
    specs = {f["name"]: f for f in fields}
    order = {name: i for i, name in enumerate(specs)}
    problems: list[dict[str, str]] = []
    unknown = sorted(set(payload) - set(specs), key=str)
    for name in unknown:
        problems.append(
            {"field": str(name), "message": f"unknown field; allowed: {', '.join(specs)}"}
        )
    for name, spec in specs.items():
        if spec.get("required") and name not in payload:
            problems.append({"field": name, "message": "is required"})
    # The cache key is the spec as sorted JSON (the C encoder), not RFC 8785, which costs more
    # than the validation it saves (docs/performance.md).
    validator = _validator_for(json.dumps(fields, sort_keys=True, separators=(",", ":")))
    known = {k: v for k, v in payload.items() if k in specs}
    for error in validator.iter_errors(known):
        path = list(error.absolute_path)
        if not path:
            continue  # required and additionalProperties are reported above, by name
        name = str(path[0])
        in_list = len(path) > 1
        message = schema_message(error, specs[name], in_list=in_list)
        if in_list:
            message = f"entry {int(path[1]) + 1} of {len(payload[name])}: {message}"
        problems.append({"field": name, "message": message})
    problems.sort(key=lambda p: (order.get(p["field"], -1), p["message"]))
    return problems
