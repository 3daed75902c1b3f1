"""Tests of the redaction engine (pure: no Django, no database)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sharing.core.redaction import (
    NO_RULE_REASON,
    FieldPlan,
    PseudonymKey,
    RedactionError,
    RedactionResult,
    apply_extra_redactions,
    normalize_value,
    pseudonymize_value,
    redact,
)
from sharing.core.scanning import Watchlist, scan

KEY = PseudonymKey("forum-k1", b"forum-secret-of-at-least-16-bytes")
OTHER_KEY = PseudonymKey("forum-k2", b"a-different-forum-secret-0000000")

# Letters that never occur in hex digests, JSON syntax or the report's fixed words used below,
# so a value found in the output was really leaked, not an accidental substring.
SECRET_ALPHABET = "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ"
secret_values = st.text(alphabet=SECRET_ALPHABET, min_size=6, max_size=24)


def _plan(name: str, datatype: str, action: str) -> FieldPlan:
    return FieldPlan(name, datatype, action, f"indicator_types.t.fields.{name}")


def _dump(result: RedactionResult) -> str:
    return json.dumps(result.payload) + json.dumps(result.report)


# --- each action ---------------------------------------------------------------------------


def test_keep_leaves_technical_values_unchanged() -> None:
    result = redact(
        {"asn": 64500, "domain": "evil.example"},
        [_plan("asn", "asn", "keep"), _plan("domain", "domain", "keep")],
        key=KEY,
    )
    assert result.payload == {"asn": 64500, "domain": "evil.example"}
    assert [e["action"] for e in result.report] == ["keep", "keep"]


def test_drop_removes_the_field_and_reports_the_rule() -> None:
    result = redact({"revenue": 123456}, [_plan("revenue", "integer", "drop")], key=KEY)
    assert result.payload == {}
    assert result.report == [
        {
            "field": "revenue",
            "action": "drop",
            "reason": "policy: drop",
            "rule": "indicator_types.t.fields.revenue",
        }
    ]


def test_field_without_a_plan_is_dropped_by_default() -> None:
    result = redact({"stray": "value-123"}, [], key=KEY)
    assert result.payload == {}
    assert result.report == [
        {"field": "stray", "action": "drop", "reason": NO_RULE_REASON, "rule": None}
    ]


def test_mask_keeps_only_the_last_characters() -> None:
    result = redact({"card": "4111111111111234"}, [_plan("card", "string", "mask:4")], key=KEY)
    assert result.payload == {"card": "************1234"}
    zero = redact({"card": "abcdef"}, [_plan("card", "string", "mask:0")], key=KEY)
    assert zero.payload == {"card": "******"}


def test_pseudonymize_outputs_a_keyed_token() -> None:
    result = redact(
        {"email": "Mallory@Example.COM"}, [_plan("email", "email", "pseudonymize")], key=KEY
    )
    token = result.payload["email"]
    assert token.startswith("hmac:forum-k1:") and len(token.split(":")[2]) == 64
    assert token == pseudonymize_value(" mallory@example.com. ", "email", KEY)
    assert token != pseudonymize_value("mallory@example.com", "email", OTHER_KEY).replace(
        "forum-k2", "forum-k1"
    )


@pytest.mark.parametrize(
    ("value", "datatype", "expected"),
    [
        ("  Mallory@Example.COM ", "email", "mallory@example.com"),
        ("mallory@Example.com.", "email", "mallory@example.com"),
        ("Evil.Example.", "domain", "evil.example"),
        ("2001:DB8:0:0:0:0:0:1", "ipv6", "2001:db8::1"),
        (" 203.0.113.7 ", "ipv4", "203.0.113.7"),
        ("203.0.113.7/24", "cidr", "203.0.113.0/24"),
        ("AS64500", "asn", "64500"),
        ("  Think   STEP\u00a0by step ", "text", "think step by step"),
        ("ＡＢＣ", "string", "abc"),
        ("1.50", "decimal", "1.5"),
        ("2025-01-09T13:45:00+02:00", "datetime", "2025-01-09T11:45:00Z"),
        ("HTTPS://Evil.Example/Path?q=1", "url", "https://evil.example/Path?q=1"),
    ],
)
def test_normalize_value_by_datatype(value: str, datatype: str, expected: str) -> None:
    assert normalize_value(value, datatype) == expected


@pytest.mark.parametrize(
    ("value", "action", "datatype", "expected"),
    [
        ("203.0.113.77", "generalize:ipv4/24", "ipv4", "203.0.113.0/24"),
        ("203.0.113.77", "generalize:ipv4/32", "ipv4", "203.0.113.77/32"),
        ("203.0.113.64/28", "generalize:ipv4/24", "cidr", "203.0.113.0/24"),
        ("10.0.0.0/8", "generalize:ipv4/24", "cidr", "10.0.0.0/8"),
        ("2001:db8:1234:5678::1", "generalize:ipv6/48", "ipv6", "2001:db8:1234::/48"),
        ("2025-01-09T13:45:12Z", "generalize:hour", "datetime", "2025-01-09T13:00:00Z"),
        ("2025-01-09T13:45:12+02:00", "generalize:day", "datetime", "2025-01-09T00:00:00Z"),
        ("2025-01-09T13:45:12Z", "generalize:week", "datetime", "2025-01-06T00:00:00Z"),
        ("2025-01-06T00:00:00", "generalize:week", "datetime", "2025-01-06T00:00:00Z"),
        ("2025-01-05T23:59:59Z", "generalize:week", "datetime", "2024-12-30T00:00:00Z"),
        (0, "generalize:log10", "integer", "0"),
        (1, "generalize:log10", "integer", "1e0-1e1"),
        (999, "generalize:log10", "integer", "1e2-1e3"),
        (1000, "generalize:log10", "integer", "1e3-1e4"),
        (12345, "generalize:log10", "integer", "1e4-1e5"),
        ("0.25", "generalize:log10", "decimal", "1e-1-1e0"),
        (-2500, "generalize:log10", "integer", "-(1e3-1e4)"),
    ],
)
def test_generalize(value: object, action: str, datatype: str, expected: str) -> None:
    result = redact({"f": value}, [_plan("f", datatype, action)], key=KEY)
    assert result.payload == {"f": expected}
    assert result.report[0]["action"] == action


def test_generalize_datetime_object_is_accepted() -> None:
    moment = datetime(2025, 1, 9, 13, 45, tzinfo=timezone(timedelta(hours=-5)))
    result = redact({"t": moment}, [_plan("t", "datetime", "generalize:day")], key=KEY)
    assert result.payload == {"t": "2025-01-09T00:00:00Z"}


def test_generalize_refuses_the_wrong_ip_family_without_naming_the_value() -> None:
    with pytest.raises(RedactionError) as info:
        redact({"net": "2001:db8::/32"}, [_plan("net", "cidr", "generalize:ipv4/24")], key=KEY)
    assert "2001" not in str(info.value)


def test_scrub_replaces_flagged_spans_and_reports_rules_not_text() -> None:
    text = "The cluster used 4,000 accounts. Our ARR is $600M and we have 8,000 A100s."
    result = redact({"notes": text}, [_plan("notes", "text", "scrub")], key=KEY)
    scrubbed = result.payload["notes"]
    assert scrubbed.startswith("The cluster used 4,000 accounts.")
    assert "$600M" not in scrubbed and "8,000" not in scrubbed
    # Recipients see one neutral marker; the categories stay in the report.
    assert "[removed under policy]" in scrubbed and "REDACTED" not in scrubbed
    (entry,) = result.report
    assert entry["action"] == "scrub"
    # The report names the detector that fired (one finding per flagged sentence), not the text.
    assert all(f.rule in entry["reason"] for f in scan(text))
    assert ".classifier" in entry["reason"] or ".grammar" in entry["reason"]
    assert "600" not in entry["reason"]


def test_keep_on_free_text_is_still_scrubbed() -> None:
    result = redact(
        {"analyst_notes": "We plan to launch a new model in Q3."},
        [_plan("analyst_notes", "string", "keep")],
        key=KEY,
    )
    assert result.payload["analyst_notes"] == "[removed under policy]."
    (entry,) = result.report
    assert entry["action"] == "scrub" and "roadmap." in entry["reason"]
    assert "launch" not in json.dumps(result.report)


def test_re_redacting_recognises_the_neutral_and_the_old_markers() -> None:
    text = "Old [REDACTED:price]. New [removed under policy]. Relay at 203.0.113.0/24."
    plans = [_plan("notes", "text", "scrub"), _plan("ip", "ipv4", "generalize:ipv4/24")]
    assert redact({"notes": text}, plans, key=KEY).payload == {"notes": text}


def test_keep_on_clean_free_text_is_kept() -> None:
    text = "Requests had no referer and used HTTP/1.1."
    result = redact({"notes": text}, [_plan("notes", "text", "keep")], key=KEY)
    assert result.payload == {"notes": text}
    assert result.report[0]["action"] == "keep"


def test_scrub_uses_the_member_watchlist() -> None:
    watchlist = Watchlist.from_terms(b"watchlist-key-0123456789abcdef", ["Hooli"])
    result = redact(
        {"notes": "Hooli asked about the ranges."},
        [_plan("notes", "text", "scrub")],
        key=KEY,
        watchlist=watchlist,
    )
    # The whole sentence goes, not only the name, so nothing said about the customer survives.
    assert result.payload == {"notes": "[removed under policy]."}
    assert "watchlist.customer" in result.report[0]["reason"]


def test_scrub_accepts_a_custom_scanner() -> None:
    calls: list[str] = []

    def scanner(text: str, *, watchlist: Watchlist | None = None) -> list:
        calls.append(text)
        return []

    redact({"notes": "anything"}, [_plan("notes", "text", "scrub")], key=KEY, scanner=scanner)
    assert calls == ["anything"]


def test_lists_apply_the_action_per_element() -> None:
    result = redact(
        {"emails": ["a.user@example.com", "A.User@Example.com", "b.user@example.com"]},
        [_plan("emails", "email", "pseudonymize")],
        key=KEY,
    )
    first, second, third = result.payload["emails"]
    assert first == second != third
    masked = redact({"ids": ["abcdef12", "ghij34"]}, [_plan("ids", "string", "mask:2")], key=KEY)
    assert masked.payload == {"ids": ["******12", "****34"]}


def test_none_values_stay_none() -> None:
    result = redact({"ip": None}, [_plan("ip", "ipv4", "generalize:ipv4/24")], key=KEY)
    assert result.payload == {"ip": None}


def test_report_is_ordered_by_field_name() -> None:
    payload = {"zeta": 1, "alpha": 2, "mid": 3}
    plans = [_plan("zeta", "integer", "keep"), _plan("alpha", "integer", "drop")]
    result = redact(payload, plans, key=KEY)
    assert [e["field"] for e in result.report] == ["alpha", "mid", "zeta"]


def test_action_unfit_for_the_datatype_is_refused() -> None:
    with pytest.raises(RedactionError):
        redact({"n": 5}, [_plan("n", "integer", "scrub")], key=KEY)
    with pytest.raises(RedactionError):
        redact({"n": 5}, [_plan("n", "integer", "bogus")], key=KEY)


def test_duplicate_plans_and_nested_objects_are_refused() -> None:
    with pytest.raises(RedactionError):
        redact({"a": 1}, [_plan("a", "integer", "keep"), _plan("a", "integer", "drop")], key=KEY)
    with pytest.raises(RedactionError):
        redact({"a": {"b": 1}}, [_plan("a", "string", "keep")], key=KEY)


def test_pseudonym_key_hides_its_secret_and_checks_its_shape() -> None:
    assert "forum-secret" not in repr(KEY)
    with pytest.raises(RedactionError):
        PseudonymKey("bad:id", b"x" * 32)
    with pytest.raises(RedactionError):
        PseudonymKey("k", b"short")


def test_already_pseudonymised_tokens_are_not_hashed_again() -> None:
    token = pseudonymize_value("mallory@example.com", "email", KEY)
    assert pseudonymize_value(token, "email", KEY) == token


# --- reviewer's extra redactions -----------------------------------------------------------

PLANS = [
    _plan("signup_ip", "ipv4", "generalize:ipv4/24"),
    _plan("card", "string", "mask:4"),
    _plan("notes", "text", "keep"),
    _plan("email", "email", "pseudonymize"),
    _plan("seen", "datetime", "generalize:day"),
]
PAYLOAD = {
    "signup_ip": "203.0.113.77",
    "card": "4111111111111234",
    "notes": "Requests came in bursts.",
    "email": "mallory@example.com",
    "seen": "2025-01-09T13:45:00Z",
}


def test_extra_redactions_apply_stricter_actions() -> None:
    base = redact(PAYLOAD, PLANS, key=KEY)
    extra = {
        "signup_ip": "generalize:ipv4/16",
        "card": "mask:2",
        "notes": "drop",
        "email": "drop",
        "seen": "generalize:week",
    }
    result = apply_extra_redactions(base.payload, extra, PLANS, key=KEY)
    assert result.payload == {
        "signup_ip": "203.0.0.0/16",
        "card": "**************34",
        "seen": "2025-01-06T00:00:00Z",
    }
    assert [e["field"] for e in result.report] == sorted(extra)
    assert all(e["reason"].startswith("reviewer: stricter") for e in result.report)
    assert "mallory" not in _dump(result)


@pytest.mark.parametrize(
    ("field", "action"),
    [
        ("signup_ip", "generalize:ipv4/28"),
        ("signup_ip", "keep"),
        ("card", "mask:8"),
        ("email", "keep"),
        ("email", "mask:4"),
        ("seen", "generalize:hour"),
    ],
)
def test_extra_redactions_refuse_a_looser_action(field: str, action: str) -> None:
    base = redact(PAYLOAD, PLANS, key=KEY)
    with pytest.raises(RedactionError, match="less strict"):
        apply_extra_redactions(base.payload, {field: action}, PLANS, key=KEY)


def test_extra_redactions_refuse_a_field_without_a_plan() -> None:
    with pytest.raises(RedactionError):
        apply_extra_redactions({}, {"stray": "drop"}, PLANS, key=KEY)


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=150)
@given(
    dropped=secret_values,
    unplanned=secret_values,
    masked=secret_values,
    pseudonymised=secret_values,
    keep_tail=st.integers(min_value=0, max_value=3),
)
def test_removed_values_never_appear_in_payload_or_report(
    dropped: str, unplanned: str, masked: str, pseudonymised: str, keep_tail: int
) -> None:
    payload = {
        "f_drop": dropped,
        "f_unplanned": unplanned,
        "f_mask": masked,
        "f_pseudo": [pseudonymised, pseudonymised.upper()],
        "f_keep": 42,
    }
    plans = [
        _plan("f_drop", "string", "drop"),
        _plan("f_mask", "string", f"mask:{keep_tail}"),
        _plan("f_pseudo", "string", "pseudonymize"),
        _plan("f_keep", "integer", "keep"),
    ]
    result = redact(payload, plans, key=KEY)
    dumped = _dump(result)
    hidden_of_mask = masked[: len(masked) - keep_tail]
    for secret in (dropped, unplanned, hidden_of_mask, pseudonymised, pseudonymised.upper()):
        assert secret not in dumped
    assert "f_drop" not in result.payload and "f_unplanned" not in result.payload


@given(
    a=st.text(alphabet="aAbB \u3000\u00a0ｂＡ", max_size=8), b=st.text(alphabet="aAbB ", max_size=8)
)
def test_pseudonyms_are_equal_exactly_when_normalised_values_are(a: str, b: str) -> None:
    same_norm = normalize_value(a, "string") == normalize_value(b, "string")
    same_token = pseudonymize_value(a, "string", KEY) == pseudonymize_value(b, "string", KEY)
    assert same_norm == same_token


@given(
    local=st.text(alphabet="abcdefghijklmnop.", min_size=1, max_size=12),
    domain=st.sampled_from(["example.com", "mail.example.org", "evil.example"]),
)
def test_email_variants_get_the_same_pseudonym(local: str, domain: str) -> None:
    plain = f"{local}@{domain}"
    variant = f"  {local.upper()}@{domain.upper()}. "
    assert pseudonymize_value(plain, "email", KEY) == pseudonymize_value(variant, "email", KEY)


@given(address=st.ip_addresses())
def test_ip_spellings_get_the_same_pseudonym(address) -> None:
    datatype = f"ipv{address.version}"
    spelled = address.exploded.upper()
    assert pseudonymize_value(str(address), datatype, KEY) == pseudonymize_value(
        spelled, datatype, KEY
    )


@given(a=st.ip_addresses(v=4), b=st.ip_addresses(v=4))
def test_different_ips_get_different_pseudonyms(a, b) -> None:
    assume(a != b)
    assert pseudonymize_value(str(a), "ipv4", KEY) != pseudonymize_value(str(b), "ipv4", KEY)


TEXTS = st.one_of(
    st.sampled_from(
        [
            "Our ARR is $600M and we have 8,000 A100s.",
            "The cluster sent 2 million requests in 6 hours.",
            "We plan to launch the model in Q3; Hooli is a key customer.",
            "Let's all agree to stop serving that cloud. Our list price is ＄２０ per seat.",
            "We spend forty million a quarter on compute.",
        ]
    ),
    st.text(max_size=60),
)

PROPERTY_PLANS = [
    _plan("emails", "email", "pseudonymize"),
    _plan("ip", "ipv4", "generalize:ipv4/24"),
    _plan("ip6", "ipv6", "generalize:ipv6/48"),
    _plan("seen", "datetime", "generalize:week"),
    _plan("hour", "datetime", "generalize:hour"),
    _plan("count", "integer", "generalize:log10"),
    _plan("card", "string", "mask:4"),
    _plan("notes", "text", "scrub"),
    _plan("summary", "string", "keep"),
    _plan("asn", "asn", "keep"),
    _plan("secret", "string", "drop"),
]


@st.composite
def payloads(draw: st.DrawFn) -> dict:
    moment = draw(
        st.datetimes(
            min_value=datetime(2000, 1, 10),
            max_value=datetime(2090, 1, 1),
            timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
        )
    )
    payload = {
        "emails": draw(st.lists(st.emails(), max_size=3)),
        "ip": str(draw(st.ip_addresses(v=4))),
        "ip6": str(draw(st.ip_addresses(v=6))),
        "seen": moment.isoformat(),
        "hour": moment.isoformat(),
        "count": draw(st.integers(min_value=-(10**12), max_value=10**12)),
        "card": draw(st.text(min_size=0, max_size=20)),
        "notes": draw(TEXTS),
        "summary": draw(TEXTS),
        "asn": draw(st.integers(min_value=1, max_value=2**32 - 1)),
        "secret": draw(st.text()),
        "unplanned": draw(st.text()),
    }
    keep = draw(st.sets(st.sampled_from(sorted(payload)), min_size=1))
    return {k: v for k, v in payload.items() if k in keep}


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(payload=payloads())
def test_redacting_twice_changes_nothing(payload: dict) -> None:
    once = redact(payload, PROPERTY_PLANS, key=KEY)
    twice = redact(once.payload, PROPERTY_PLANS, key=KEY)
    assert twice.payload == once.payload
    assert redact(payload, PROPERTY_PLANS, key=KEY) == once  # deterministic
    assert [e["field"] for e in once.report] == sorted(payload)


@given(payload=st.dictionaries(st.text(min_size=1, max_size=10), st.text(), max_size=6))
def test_fields_without_a_plan_are_all_dropped(payload: dict) -> None:
    result = redact(payload, [], key=KEY)
    assert result.payload == {}
    assert all(e["action"] == "drop" and e["rule"] is None for e in result.report)
    assert [e["field"] for e in result.report] == sorted(payload)


def test_scrub_removes_every_sensitive_sentence_of_the_dev_corpus_and_keeps_the_rest() -> None:
    lines = [
        json.loads(line)
        for line in (Path(__file__).parent / "data" / "sensitive_dev_corpus.jsonl").open()
    ]
    for row in (r for r in lines if r["sensitive"]):
        text = f"The farm used 40 proxies. {row['text']} Accounts rotated hourly."
        scrubbed = redact({"notes": text}, [_plan("notes", "text", "scrub")], key=KEY).payload
        notes = scrubbed["notes"]
        assert notes.startswith("The farm used 40 proxies. [removed under policy]"), notes
        assert notes.endswith(" Accounts rotated hourly."), notes
        # No word of the sensitive sentence is left between the two technical ones.
        middle = notes[len("The farm used 40 proxies. ") : -len(" Accounts rotated hourly.")]
        assert re.fullmatch(r"(\[removed under policy\] ?)+[.!?;]?", middle), middle
