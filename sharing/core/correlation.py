"""Correlation without disclosure: link published indicators that carry the same pseudonym.

Pure module (no Django). Pseudonymised values (``oprf:<key id>:<hex>``, before #20
``hmac:<key id>:<hex>``) are keyed pseudorandom functions of normalised values, so two members
that saw the same attacker account publish the same token. This module finds those tokens,
groups indicators that share one into campaigns (connected components) and decides what a
member may learn about them: only "seen by N members", and only when at least `min_members`
members other than the viewer stand behind the count, so that no single other member can be
singled out.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# ``oprf:<key id>:<128 hex>`` (OPRF outputs, made now) or ``hmac:<key id>:<64 hex>`` (before #20).
TOKEN_RE = re.compile(
    r"^(?:(?P<scheme>oprf):(?P<key_id>[A-Za-z0-9._-]{1,64}):(?P<digest>[0-9a-f]{128})"
    r"|(?P<old_scheme>hmac):(?P<old_key_id>[A-Za-z0-9._-]{1,64}):(?P<old_digest>[0-9a-f]{64}))$"
)
DEFAULT_MIN_MEMBERS = 2


@dataclass(frozen=True)
class TokenOccurrence:
    """One pseudonym in one field of a redacted payload (`position` indexes list values)."""

    field: str
    position: int
    token: str

    @property
    def key_id(self) -> str:
        """Return the key id the token was computed under."""
        return token_key_id(self.token)


@dataclass(frozen=True)
class Entry:
    """A pseudonym of a live indicator, as the linkage reads it.

    `token` is the canonical token: the one under the current key where it could be computed.
    """

    indicator: Hashable
    organization: Hashable
    token: str


@dataclass(frozen=True)
class Campaign:
    """A connected component of indicators linked by shared pseudonyms."""

    indicators: frozenset
    organizations: frozenset
    tokens: frozenset


@dataclass
class Linkage:
    """Which organizations stand behind each indicator's pseudonyms, and the campaigns."""

    organizations_by_indicator: dict[Hashable, frozenset] = field(default_factory=dict)
    campaigns: list[Campaign] = field(default_factory=list)

    def organizations_of(self, indicator: Hashable) -> frozenset:
        """Return the organizations whose indicators share a pseudonym with `indicator`.

        The indicator's own contributor is included; an unindexed indicator has none.
        """
        return self.organizations_by_indicator.get(indicator, frozenset())


def is_token(value: Any) -> bool:
    """Return True when `value` is a pseudonym token."""
    return isinstance(value, str) and TOKEN_RE.match(value) is not None


def token_key_id(token: str) -> str:
    """Return the key id of `token`; raise ValueError when it is not a token."""
    match = TOKEN_RE.match(token)
    if match is None:
        raise ValueError("not a pseudonym token")
    return match.group("key_id") or match.group("old_key_id")


def token_key(token: str) -> str:
    """Return ``<scheme>:<key id>`` of `token`, which names the key it was computed under.

    An OPRF key and an HMAC key may carry the same id; the scheme tells them apart.
    """
    match = TOKEN_RE.match(token)
    if match is None:
        raise ValueError("not a pseudonym token")
    if match.group("scheme"):
        return f"{match.group('scheme')}:{match.group('key_id')}"
    return f"{match.group('old_scheme')}:{match.group('old_key_id')}"


def extract_tokens(payload: Mapping[str, Any]) -> list[TokenOccurrence]:
    """Return every pseudonym of a redacted payload, by field and list position, in order."""
    found: list[TokenOccurrence] = []
    for name in sorted(payload):
        value = payload[name]
        items = value if isinstance(value, list) else [value]
        for position, item in enumerate(items):
            if is_token(item):
                found.append(TokenOccurrence(field=name, position=position, token=item))
    return found


def canonical_token(token: str, mapping: Mapping[str, str]) -> str:
    """Follow old-token → new-token mappings from `token` to the newest token it maps to."""
    seen = {token}
    while token in mapping:
        token = mapping[token]
        if token in seen:  # a cycle cannot come from rotation; stop rather than loop
            break
        seen.add(token)
    return token


class _DisjointSet:
    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, item: Hashable) -> Hashable:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def link(entries: Iterable[Entry]) -> Linkage:
    """Link indicators that share a canonical token; return the organizations and campaigns.

    A campaign is a connected component of two or more indicators from two or more
    organizations: one organization reporting the same attacker twice is not cross-member
    correlation.
    """
    entries = list(entries)
    orgs_by_token: dict[str, set] = {}
    indicators_by_token: dict[str, set] = {}
    org_of: dict[Hashable, Hashable] = {}
    tokens_of: dict[Hashable, set] = {}
    for entry in entries:
        orgs_by_token.setdefault(entry.token, set()).add(entry.organization)
        indicators_by_token.setdefault(entry.token, set()).add(entry.indicator)
        org_of[entry.indicator] = entry.organization
        tokens_of.setdefault(entry.indicator, set()).add(entry.token)
    organizations_by_indicator = {
        indicator: frozenset().union(*(orgs_by_token[t] for t in tokens))
        for indicator, tokens in tokens_of.items()
    }
    components = _DisjointSet()
    for indicators in indicators_by_token.values():
        first, *rest = sorted(indicators, key=str)
        components.find(first)
        for other in rest:
            components.union(first, other)
    grouped: dict[Hashable, set] = {}
    for indicator in tokens_of:
        grouped.setdefault(components.find(indicator), set()).add(indicator)
    campaigns = []
    for members in grouped.values():
        organizations = frozenset(org_of[i] for i in members)
        if len(members) < 2 or len(organizations) < 2:
            continue
        shared = frozenset(
            t
            for t in frozenset().union(*(tokens_of[i] for i in members))
            if len(indicators_by_token[t]) > 1
        )
        campaigns.append(
            Campaign(indicators=frozenset(members), organizations=organizations, tokens=shared)
        )
    campaigns.sort(
        key=lambda c: (-len(c.organizations), -len(c.indicators), sorted(map(str, c.indicators)))
    )
    return Linkage(organizations_by_indicator=organizations_by_indicator, campaigns=campaigns)


def disclosed_count(
    organizations: Iterable[Hashable], viewer_organizations: Iterable[Hashable], min_members: int
) -> int | None:
    """Return "seen by N members" as a member may learn it, or None when it must stay hidden.

    N counts every member behind the pseudonyms (the viewer's own organization included); it is
    shown only when at least `min_members` of them are not the viewer's organizations.
    """
    behind = set(organizations)
    others = behind - set(viewer_organizations)
    if len(behind) < 2 or len(others) < max(min_members, 1):
        return None
    return len(behind)


def min_members_of(rules: Mapping[str, Any] | None) -> int:
    """Return the policy's `correlation.min_members`, or the default of 2."""
    section = (rules or {}).get("correlation") or {}
    value = section.get("min_members")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 2:
        return value
    return DEFAULT_MIN_MEMBERS
