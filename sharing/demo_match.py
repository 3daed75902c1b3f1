"""The demo's "check my list" (#20): what `seed_demo` plants in the feed for clearroom-match.

The three demo labs publish the same attacker account cluster (`demo_insights`): its farm
addresses, its device fingerprint and one sign-up address per lab are in every member's feed
as OPRF pseudonyms. `docs/demo/check-my-list.txt` holds these planted identifiers (written
as a lab might, in other cases) among values that must not match: addresses of demo
submissions still in review, and a lab's own customers. README shows the run.
"""

from __future__ import annotations

from pathlib import Path

from sharing.demo_insights import ATTACKER_EMAILS, ATTACKER_FINGERPRINT, LABS

PLANTED: tuple[str, ...] = (
    *ATTACKER_EMAILS,
    ATTACKER_FINGERPRINT,
    *(f"{slug}.signup.{len(slug)}@mailinator.example" for slug in LABS),
)
CHECK_LIST = Path(__file__).resolve().parents[1] / "docs" / "demo" / "check-my-list.txt"
