"""The generated data set: realistic STIX indicators of two seeded Clearroom types.

- `automation-client` (baseline policy: `review: []`, auto-published when the scanner raises no
  flag) and `network-infrastructure` (baseline policy: `review: [origin]`).
- Each object carries the Clearroom property extension with the type's payload, so Clearroom
  maps it to a submission; medallion stores the very same bytes as an opaque STIX object.
- `FLAGGED_EVERY`-th object has analyst notes with a competitively sensitive sentence (a price,
  a capacity figure, a customer count...) that the scanner flags; the rest are attacker-side
  facts, which it must not flag. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

FLAGGED_EVERY = 10
_NS = uuid.UUID("b7f0bd64-5a8f-4d0e-9a3e-1c1b6a9d2e10")
_BASE = datetime(2026, 10, 1, tzinfo=UTC)

_CLEAN_NOTES = [
    "Accounts rotated through {n} residential exits in four minutes, each sending "
    "near-identical reasoning-trace prompts.",
    "The client replayed {n} prompts per hour asking for step-by-step derivations in "
    "Mandarin and English, with temperature pinned at zero.",
    "Seen alongside a reseller key farm; {n} fresh accounts signed up from the same ASN "
    "within one hour.",
    "Header order never varies across {n} sessions; the timing profile hugs the published "
    "rate limit.",
]
_SENSITIVE_NOTES = [
    "We charge $2.50 per million tokens to this segment, so the attacker saved money.",
    "Our GPU fleet of {n} H100s was at 93% utilisation while this ran.",
    "This hit our largest customer, Acme Bank, and we served {n} million requests last week.",
    "We plan to launch our next model in March, so expect a pivot after that.",
]
_SDKS = [
    ("openai-python", "1.51.0"),
    ("httpx", "0.27.2"),
    ("anthropic-sdk-python", "0.39.0"),
    ("requests", "2.32.3"),
    ("aiohttp", "3.10.10"),
]
_PROFILES = ["fixed-interval", "jittered-interval", "poisson", "burst-then-idle"]
_COUNTRIES = ["NL", "US", "DE", "SG", "BR", "VN", "RU", "IN"]


def _notes(rng: random.Random, index: int) -> str:
    pool = _SENSITIVE_NOTES if index % FLAGGED_EVERY == FLAGGED_EVERY - 1 else _CLEAN_NOTES
    return rng.choice(pool).format(n=rng.randint(12, 900))


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def payload(kind: str, index: int, rng: random.Random) -> dict:
    """Return a valid payload of `kind` for object number `index`."""
    seen = _BASE + timedelta(minutes=index)
    if kind == "automation-client":
        sdk, version = rng.choice(_SDKS)
        return {
            "sdk_name": sdk,
            "sdk_version": version,
            "header_order_signature": f"{rng.getrandbits(256):064x}",
            "user_agent": f"{sdk}/{version} (bench {index})",
            "timing_profile": rng.choice(_PROFILES),
            "mean_interarrival_ms": rng.randint(40, 5000),
            "analyst_notes": _notes(rng, index),
        }
    octets = (index >> 16) & 255, (index >> 8) & 255, index & 255
    return {
        "ip": f"10.{octets[0]}.{octets[1]}.{octets[2]}",
        "cidr": f"10.{octets[0]}.{octets[1]}.0/24",
        "asn": f"AS{rng.randint(1000, 65000)}",
        "hosting_country": rng.choice(_COUNTRIES),
        "residential_proxy": rng.choice(["confirmed", "suspected", "not-observed"]),
        "ja3": f"{rng.getrandbits(128):032x}",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/129.0",
        "first_seen": _timestamp(seen),
        "last_seen": _timestamp(seen + timedelta(hours=6)),
        "analyst_notes": _notes(rng, index),
    }


def stix_objects(kind: str, count: int, *, seed: int, start: int = 0) -> list[dict]:
    """Return `count` STIX indicators of Clearroom type `kind`, deterministic for `seed`."""
    from sharing.stix import EXTENSION_ID

    rng = random.Random(f"{kind}:{seed}")
    created = _timestamp(_BASE)
    found = []
    for index in range(start, start + count):
        body = payload(kind, index, rng)
        name = body.get("sdk_name") or body["ip"]
        found.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{uuid.uuid5(_NS, f'{kind}:{seed}:{index}')}",
                "created": created,
                "modified": created,
                "name": f"{kind} {name}",
                "indicator_types": ["malicious-activity"],
                "pattern": f"[software:name = '{name}']"
                if kind == "automation-client"
                else f"[ipv4-addr:value = '{name}']",
                "pattern_type": "stix",
                "valid_from": created,
                "extensions": {
                    EXTENSION_ID: {
                        "extension_type": "property-extension",
                        "indicator_type": kind,
                        "payload": body,
                    }
                },
            }
        )
    return found


def is_flagged(index: int) -> bool:
    """Return True when object `index` carries a sentence the scanner must flag."""
    return index % FLAGGED_EVERY == FLAGGED_EVERY - 1
