"""Properties of the pure correlation module: tokens, linkage, campaigns and the minimum N."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from sharing.core.correlation import (
    DEFAULT_MIN_MEMBERS,
    Entry,
    canonical_token,
    disclosed_count,
    extract_tokens,
    is_token,
    link,
    min_members_of,
    token_key_id,
)

HEX = "0123456789abcdef"
tokens = st.builds(
    lambda key, digest: f"hmac:{key}:{digest}",
    st.sampled_from(["k1", "k2", "2026-01"]),
    st.text(alphabet=HEX, min_size=64, max_size=64),
)
orgs = st.sampled_from(["acme", "globex", "initech", "hooli", "umbrella"])
entries = st.lists(
    st.builds(Entry, indicator=st.integers(0, 30), organization=orgs, token=tokens), max_size=40
)


def _consistent(raw: list[Entry]) -> list[Entry]:
    """Give every indicator one contributor, as in the database."""
    first: dict = {}
    for entry in raw:
        first.setdefault(entry.indicator, entry.organization)
    return [Entry(e.indicator, first[e.indicator], e.token) for e in raw]


def test_token_shape_is_recognised():
    token = "hmac:k1:" + "a" * 64
    assert is_token(token) and token_key_id(token) == "k1"
    assert not is_token("hmac:k1:" + "A" * 64)
    assert not is_token("farm01@mailinator.example")
    assert not is_token(42)


@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True),
        st.one_of(tokens, st.lists(st.one_of(tokens, st.text(max_size=10)), max_size=4), st.text()),
        max_size=6,
    )
)
def test_extract_tokens_finds_exactly_the_tokens(payload):
    found = extract_tokens(payload)
    expected = []
    for name in sorted(payload):
        value = payload[name]
        items = value if isinstance(value, list) else [value]
        expected += [(name, i, v) for i, v in enumerate(items) if is_token(v)]
    assert [(o.field, o.position, o.token) for o in found] == expected


@given(entries)
def test_linked_indicators_know_each_others_organizations(raw):
    data = _consistent(raw)
    linkage = link(data)
    by_token: dict = {}
    for entry in data:
        by_token.setdefault(entry.token, set()).add(entry)
    for group in by_token.values():
        for a, b in itertools.product(group, repeat=2):
            assert b.organization in linkage.organizations_of(a.indicator)
    for entry in data:
        assert entry.organization in linkage.organizations_of(entry.indicator)


@given(entries)
def test_campaigns_are_disjoint_and_cross_member(raw):
    linkage = link(_consistent(raw))
    seen: set = set()
    for campaign in linkage.campaigns:
        assert len(campaign.indicators) >= 2
        assert len(campaign.organizations) >= 2
        assert not (campaign.indicators & seen)
        seen |= campaign.indicators


@given(entries)
def test_campaign_membership_follows_shared_tokens(raw):
    data = _consistent(raw)
    linkage = link(data)
    where = {i: c for c in linkage.campaigns for i in c.indicators}
    by_token: dict = {}
    for entry in data:
        by_token.setdefault(entry.token, set()).add(entry.indicator)
    for indicators in by_token.values():
        owners = {id(where.get(i)) for i in indicators}
        assert len(owners) == 1  # indicators sharing a token are in the same campaign, or none


@given(st.sets(orgs, max_size=5), st.sets(orgs, max_size=2), st.integers(2, 5))
def test_disclosed_count_needs_min_other_members(behind, viewer, minimum):
    shown = disclosed_count(behind, viewer, minimum)
    others = behind - viewer
    if len(others) >= minimum:
        assert shown == len(behind)
    else:
        assert shown is None


def test_minimum_n_with_one_two_and_three_members():
    assert disclosed_count({"acme"}, {"acme"}, 2) is None
    assert disclosed_count({"acme", "globex"}, {"acme"}, 2) is None
    assert disclosed_count({"acme", "globex", "initech"}, {"acme"}, 2) == 3
    # A viewer that saw nothing itself needs the same number of others behind the count.
    assert disclosed_count({"acme", "globex"}, {"initech"}, 2) == 2
    assert disclosed_count({"acme", "globex"}, {"initech"}, 3) is None


@given(st.lists(tokens, min_size=1, max_size=6, unique=True))
def test_canonical_token_follows_rotation_chains(chain):
    mapping = dict(itertools.pairwise(chain))
    for token in chain:
        assert canonical_token(token, mapping) == chain[-1]


def test_canonical_token_survives_a_cycle():
    a, b = "hmac:k1:" + "a" * 64, "hmac:k2:" + "b" * 64
    assert canonical_token(a, {a: b, b: a}) in {a, b}


def test_min_members_reads_the_policy_with_a_default():
    assert min_members_of(None) == DEFAULT_MIN_MEMBERS
    assert min_members_of({"correlation": {"min_members": 3}}) == 3
    assert min_members_of({"correlation": {"min_members": 1}}) == DEFAULT_MIN_MEMBERS
