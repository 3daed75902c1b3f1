"""Observables inside free text get the policy's field actions (pure: no Django, no database)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharing.core.observables import find_observables
from sharing.core.redaction import (
    NEUTRAL_MARKER,
    FieldPlan,
    PseudonymKey,
    RedactionError,
    free_text_fields,
    pseudonymize_value,
    redact,
)

KEY = PseudonymKey("forum-k1", b"forum-secret-of-at-least-16-bytes")


def _silent(text, *, watchlist=None):
    return []


def _plan(name: str, datatype: str, action: str) -> FieldPlan:
    return FieldPlan(name, datatype, action, f"indicator_types.t.fields.{name}")


def _notes(text: str, *plans: FieldPlan) -> str:
    result = redact(
        {"notes": text}, [_plan("notes", "text", "keep"), *plans], key=KEY, scanner=_silent
    )
    return result.payload["notes"]


# --- the detector ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("exit 203.0.113.141.", "ipv4", "203.0.113.141"),
        ("exit 203.0.113[.]141 again", "ipv4", "203.0.113.141"),
        ("range 198.51.100.0/24 seen", "ipv4", "198.51.100.0/24"),
        ("v6 2001:db8::7 seen", "ipv6", "2001:db8::7"),
        ("mail harvest.a@throwaway.example.", "email", "harvest.a@throwaway.example"),
        ("mail bob[at]evil[.]example", "email", "bob@evil.example"),
        ("see hxxps://keys.example/buy?x=1.", "url", "https://keys.example/buy?x=1"),
        ("panel at api.evil-proxy.example/login", "url", "api.evil-proxy.example/login"),
        ("domain tokenbazaar.example rotates", "domain", "tokenbazaar.example"),
        ("ja3 d41d8cd98f00b204e9800998ecf8427e", "hash", "d41d8cd98f00b204e9800998ecf8427e"),
        ("ja4 t13d1516h2_8daaf6152771_e5627efa2ab1", "fingerprint", None),
        ("leaked sk-ant-api03-AbCdEf1234567890xyz here", "secret", None),
        ("token Zq8Lm3Pw9Xr2Tk7Vb4Nc6Hy1Jd5Fs0Ga here", "secret", None),
        ("call +44 20 7946 0958 now", "phone", None),
        ("account acct_9fQ2x81K again", "account", None),
        ("card 4111 1111 1111 1111 used", "account", None),
        ("from AS64500 only", "asn", "AS64500"),
    ],
)
def test_observables_are_found_in_prose(text: str, kind: str, value: str | None) -> None:
    (found,) = find_observables(text)
    assert found.kind == kind
    if value is not None:
        assert found.value == value


def test_prose_numbers_dates_versions_and_tokens_are_not_observables() -> None:
    text = (
        "At 12:30:45 on 2026-02-03 the cluster of 4,200,000 requests used v0.9.3 over 40 "
        f"proxies, e.g. twice; hmac:forum-k1:{'b' * 64} {NEUTRAL_MARKER} [REDACTED:price]."
    )
    assert find_observables(text) == []


# --- field actions in free text ---------------------------------------------------------------


def test_an_ip_in_notes_gets_the_ip_fields_generalisation() -> None:
    notes = _notes("Exit 203.0.113.141 again.", _plan("ip", "ipv4", "generalize:ipv4/24"))
    assert notes == "Exit 203.0.113.0/24 again."


def test_an_email_in_notes_gets_the_email_fields_pseudonym() -> None:
    notes = _notes(
        "Signed up as Q.Lattice@Burner.example.", _plan("emails", "email", "pseudonymize")
    )
    token = pseudonymize_value("q.lattice@burner.example", "email", KEY)
    assert notes == f"Signed up as {token}."


def test_an_observable_without_a_field_of_its_datatype_is_removed() -> None:
    notes = _notes("Keys like sk-proj-AbCdEf1234567890xyz were resold.")
    assert notes == f"Keys like {NEUTRAL_MARKER} were resold."


def test_observables_in_notes_are_reported_by_kind_and_action_never_by_value() -> None:
    result = redact(
        {"notes": "From 203.0.113.141 and 203.0.113.9, mail a@b.example."},
        [_plan("notes", "text", "keep"), _plan("ip", "ipv4", "generalize:ipv4/24")],
        key=KEY,
        scanner=_silent,
    )
    (entry,) = result.report
    assert entry["action"] == "scrub"
    assert "2 ipv4 generalize:ipv4/24" in entry["reason"]
    assert "1 email removed: no field" in entry["reason"]
    assert "203.0" not in entry["reason"] and "b.example" not in entry["reason"]


def test_fields_of_one_kind_with_different_actions_give_free_text_the_strictest() -> None:
    notes = _notes(
        "Exit 203.0.113.141.",
        _plan("ip", "ipv4", "generalize:ipv4/24"),
        _plan("cidr", "cidr", "generalize:ipv4/16"),
    )
    assert notes == "Exit 203.0.0.0/16."


def test_free_text_fields_names_text_fields_that_publish_words() -> None:
    datatypes = {"a": "text", "b": "text", "c": "text", "d": "string"}
    payload = {
        "a": f"{NEUTRAL_MARKER}. ",
        "b": ["hmac:k:" + "a" * 64, "left words"],
        "c": "hmac:k:" + "a" * 64,
        "d": "short id",
    }
    assert free_text_fields(payload, datatypes) == ["b"]


def test_a_sentence_in_a_short_string_field_counts_as_free_text() -> None:
    datatypes = {"sdk": "string", "ua": "string", "note": "string"}
    payload = {
        "sdk": "openai-python 1.12.0",
        "ua": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
        "note": "we raise enterprise prices next quarter",
    }
    assert free_text_fields(payload, datatypes) == ["note"]


# --- the property: nothing survives in a form its structured field would not allow -----------

_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)
_hex = "0123456789abcdef"

VALUES = {
    "ipv4": st.ip_addresses(v=4).map(str),
    "ipv6": st.ip_addresses(v=6, network=ipaddress.ip_network("2001:db8::/32")).map(str),
    "cidr": st.tuples(st.ip_addresses(v=4), st.integers(8, 32)).map(
        lambda t: str(ipaddress.ip_network(f"{t[0]}/{t[1]}", strict=False))
    ),
    "email": st.tuples(_label, _label).map(lambda t: f"{t[0]}.x@mail-{t[1]}.example"),
    "domain": _label.map(lambda label: f"dom-{label}.example"),
    "url": st.tuples(_label, _label).map(lambda t: f"https://web-{t[0]}.example/{t[1]}?q=1"),
    "sha256": st.text(alphabet=_hex, min_size=64, max_size=64),
}
ACTIONS = {
    "ipv4": ["keep", "drop", "pseudonymize", "mask:3", "generalize:ipv4/24", "generalize:ipv4/8"],
    "ipv6": ["keep", "drop", "pseudonymize", "generalize:ipv6/48", "generalize:ipv6/32"],
    "cidr": ["keep", "drop", "pseudonymize", "generalize:ipv4/16", "generalize:ipv6/48"],
    "email": ["keep", "drop", "pseudonymize", "mask:4"],
    "domain": ["keep", "drop", "pseudonymize", "mask:4"],
    "url": ["keep", "drop", "pseudonymize", "mask:4"],
    "sha256": ["keep", "drop", "pseudonymize", "mask:6"],
}
UNFIELDED = {
    "secret": st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", min_size=24)
    .filter(lambda s: len(set(s)) > 12)
    .map(lambda s: f"sk-{s}9"),
    "phone": st.integers(2_000_000, 9_999_999).map(
        lambda n: f"+1 415 {n // 10_000} {n % 10_000:04d}"
    ),
}
FILLER = st.lists(st.sampled_from(["the", "farm", "rotated", "exits", "hourly", "via"]), max_size=4)


def _structured_form(value: str, datatype: str, action: str) -> str | None:
    """Return what the type's field of `datatype` publishes for `value` (None: nothing)."""
    try:
        result = redact({"f": value}, [_plan("f", datatype, action)], key=KEY)
    except RedactionError:
        return None
    return result.payload.get("f")


def _ip_forms_allowed(out: str, action: str) -> bool:
    """Return True when every IP in `out` is a network no finer than the generalisation."""
    prefix = int(action.rsplit("/", 1)[1])
    for found in find_observables(out):
        if found.kind in ("ipv4", "ipv6"):
            network = ipaddress.ip_network(found.value, strict=False)
            if network.prefixlen > prefix or "/" not in found.value:
                return False
    return True


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), datatype=st.sampled_from(sorted(VALUES)))
def test_no_observable_in_free_text_survives_in_a_form_its_field_would_not_allow(
    data, datatype: str
) -> None:
    value = data.draw(VALUES[datatype], label="value")
    action = data.draw(st.sampled_from(ACTIONS[datatype]), label="action")
    before, after = data.draw(FILLER), data.draw(FILLER)
    text = " ".join([*before, value, *after, "and again", value]) + "."
    out = _notes(text, _plan("field", datatype, action))
    allowed = _structured_form(value, datatype, action)
    if action == "keep":
        assert value in out
        return
    if allowed is None:  # the field could not publish it in any form (or drops it)
        assert value.lower() not in out.lower()
        assert NEUTRAL_MARKER in out
        return
    if action == "pseudonymize":
        assert value not in out
        assert out.count(allowed) == 2
    elif action.startswith("mask:"):
        assert value not in out or allowed == value
    else:  # generalize:ipvN/M
        assert allowed in out
        assert _ip_forms_allowed(out, action)
    # Redacting again changes nothing: the allowed forms are recognised.
    assert _notes(out, _plan("field", datatype, action)) == out


@settings(max_examples=100)
@given(data=st.data(), kind=st.sampled_from(sorted(UNFIELDED)))
def test_observables_without_a_field_datatype_never_survive(data, kind: str) -> None:
    value = data.draw(UNFIELDED[kind])
    out = _notes(f"They used {value} twice; {value}.")
    assert value not in out
    assert out == f"They used {NEUTRAL_MARKER} twice; {NEUTRAL_MARKER}."


def test_a_kept_observable_stays_as_written_and_a_pseudonym_matches_the_field() -> None:
    plans = (_plan("url", "url", "keep"), _plan("emails", "email", "pseudonymize"))
    notes = _notes("Panel hxxps://keys[.]example/buy, admin bob[at]evil[.]example.", *plans)
    token = pseudonymize_value("bob@evil.example", "email", KEY)
    assert notes == f"Panel hxxps://keys[.]example/buy, admin {token}."


def test_a_dropped_defanged_url_leaves_nothing_of_itself() -> None:
    notes = _notes("Panel hxxps://keys[.]example/buy[.]php?id=7 seen.", _plan("url", "url", "drop"))
    assert notes == f"Panel {NEUTRAL_MARKER} seen."
