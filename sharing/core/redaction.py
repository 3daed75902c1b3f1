"""Redaction engine: apply the policy's field actions to a submission payload.

Pure module (no Django). Actions are parsed with `governance.core.field_actions`, so policy
validation and redaction read one grammar. The redaction report names the field, the action
applied, the reason and the policy rule, never a removed or transformed-away value.

Redaction is deterministic and idempotent: the report is ordered by field name, and redacting a
redacted payload with the same plans returns it unchanged (``oprf:`` and ``hmac:`` tokens,
log10 buckets, IP networks, truncated timestamps, masks, the neutral marker and the
``[REDACTED:...]`` markers of earlier versions are recognised).

Free text (`text` fields) is redacted in two passes: the observables found in it (addresses,
e-mails, domains, URLs, hashes, keys, phones, account numbers: `sharing.core.observables`) get the
action the type gives fields of their datatype, or are removed; then every sentence the scanner
flags is replaced by the neutral marker.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from governance.core import field_actions as fa
from sharing.core.observables import KIND_DATATYPES, PROTECTED_RE, Observable, find_observables
from sharing.core.oprf import OprfPseudonymKey
from sharing.core.scanning import Finding, Watchlist, scan

# What recipients see where a sentence or an observable was removed: the same marker whatever
# the reason, so it tells a competitor nothing; the category stays in the redaction report.
NEUTRAL_MARKER = "[removed under policy]"
NO_RULE_REASON = "no rule: dropped by default"
# OPRF tokens (``oprf:<key id>:<128 hex>``, sharing.core.oprf) are made now; HMAC tokens
# (``hmac:<key id>:<64 hex>``) of earlier keys stay readable until their indicators expire.
_TOKEN_RE = re.compile(
    r"^(?:oprf:[A-Za-z0-9._-]+:[0-9a-f]{128}|hmac:[A-Za-z0-9._-]+:[0-9a-f]{64})$"
)
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_BUCKET_RE = re.compile(r"^(?:0|-?\(?1e-?\d+-1e-?\d+\)?)$")
_MAX_SCRUB_PASSES = 5

Scanner = Callable[..., Sequence[Finding]]


class RedactionError(ValueError):
    """Raised when a payload cannot be redacted under the given plans (never names a value)."""


@dataclass(frozen=True)
class PseudonymKey:
    """The forum's pseudonymisation key: an id printed in tokens and a secret never printed."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KEY_ID_RE.match(self.key_id):
            raise RedactionError("key_id must be 1-64 characters of [A-Za-z0-9._-]")
        if len(self.secret) < 16:
            raise RedactionError("pseudonymisation secret must be at least 16 bytes")

    def token(self, canonical: str) -> str:
        """Return ``hmac:<key_id>:<hex>``, the keyed HMAC-SHA-256 of a canonical value."""
        digest = hmac.new(self.secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"hmac:{self.key_id}:{digest}"


# What pseudonymises: the OPRF key of the share holders (now) or an HMAC key (before #20).
Pseudonymizer = PseudonymKey | OprfPseudonymKey


@dataclass(frozen=True)
class FieldPlan:
    """What to do with one field: its datatype, the action string and the policy rule path."""

    name: str
    datatype: str
    action: str
    rule: str


@dataclass(frozen=True)
class RedactionResult:
    """The redacted payload and its report ({"field", "action", "reason", "rule"} entries)."""

    payload: dict
    report: list[dict]


# --------------------------------------------------------------------------------------------
# Normalisation and pseudonyms


def _text_form(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def _parse_datetime(value: Any) -> datetime:
    """Return `value` (datetime or ISO 8601 string) as an aware UTC datetime."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise RedactionError("value is not an ISO 8601 datetime") from None
    else:
        raise RedactionError("value is not an ISO 8601 datetime")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # naive timestamps are taken as UTC
    return parsed.astimezone(UTC)


def _format_datetime(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ip_text(value: Any) -> str:
    text = str(value).strip()
    try:
        if "/" in text:
            return str(ipaddress.ip_network(text, strict=False))
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise RedactionError("value is not an IP address or network") from None


def _domain_form(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip().casefold().rstrip(".")
    try:
        return text.encode("idna").decode("ascii")
    except UnicodeError:
        return text


def normalize_value(value: Any, datatype: str) -> str:
    """Return the canonical string of `value` for `datatype`, as hashed by pseudonymisation."""
    if isinstance(value, bool) or value is None:
        raise RedactionError("value cannot be normalised")
    if datatype == "email":
        text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
        local, sep, domain = text.rpartition("@")
        return f"{local}{sep}{_domain_form(domain)}" if sep else text
    if datatype == "domain":
        return _domain_form(str(value))
    if datatype in ("ipv4", "ipv6", "cidr"):
        return _ip_text(value)
    if datatype == "url":
        text = unicodedata.normalize("NFKC", str(value)).strip()
        parts = urlsplit(text)
        return urlunsplit(
            (parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment)
        )
    if datatype == "sha256":
        return str(value).strip().lower()
    if datatype == "asn":
        text = str(value).strip().upper().removeprefix("AS")
        if not text.isdigit():
            raise RedactionError("value is not an AS number")
        return str(int(text))
    if datatype in ("integer", "decimal"):
        return format(_finite_decimal(value).normalize(), "f")
    if datatype == "datetime":
        return _format_datetime(_parse_datetime(value))
    if datatype == "country":
        return str(value).strip().upper()
    return _text_form(str(value))


def pseudonymize_value(value: Any, datatype: str, key: Pseudonymizer) -> str:
    """Return the pseudonym token of the normalised `value` under `key` (a token is kept)."""
    if isinstance(value, str) and _TOKEN_RE.match(value):
        return value
    try:
        canonical = normalize_value(value, datatype)
    except RedactionError:
        # Already generalised or masked values (a network, a bucket) are hashed as text.
        canonical = _text_form(str(value))
    return key.token(canonical)


# --------------------------------------------------------------------------------------------
# Single actions


def _mask(value: Any, keep: int) -> str:
    text = str(value)
    tail = text[-keep:] if keep else ""
    return "*" * (len(text) - len(tail)) + tail


def _generalize_ip(value: Any, family: str, prefix: int) -> str:
    text = str(value).strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise RedactionError("value is not an IP address or network") from None
    if (network.version == 4) != (family == "ipv4"):
        raise RedactionError(f"value is not an {family} address or network")
    if network.prefixlen > prefix:
        network = network.supernet(new_prefix=prefix)
    return str(network)


def _generalize_time(value: Any, grain: str) -> str:
    moment = _parse_datetime(value)
    if grain == "hour":
        moment = moment.replace(minute=0, second=0, microsecond=0)
    else:
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if grain == "week":
            moment -= timedelta(days=moment.weekday())  # Monday 00:00 UTC
    return _format_datetime(moment)


def _finite_decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RedactionError("value is not a number") from None
    if not number.is_finite():
        raise RedactionError("value is not a finite number")
    return number


def _log10_bucket(value: Any) -> str:
    if isinstance(value, str) and _BUCKET_RE.match(value.strip()):
        return value.strip()
    if isinstance(value, bool):
        raise RedactionError("value is not a number")
    number = _finite_decimal(value)
    if number == 0:
        return "0"
    exponent = number.copy_abs().adjusted()  # floor(log10(|x|)), exact
    bucket = f"1e{exponent}-1e{exponent + 1}"
    return f"-({bucket})" if number < 0 else bucket


# A sentence ends at . ! ? or ; followed by whitespace or the end, or at a line break ("$0.12"
# and "v2.1" do not end one).
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n")


def sentence_of(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the bounds of the sentence(s) holding `text[start:end]`, without the full stop.

    Scrubbing a whole sentence, not only the flagged phrase, keeps the figures around it from
    surviving ("we are about to cut the price of our small model by 40%").
    """
    begin = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        begin = match.end()
    while begin < start and text[begin].isspace():
        begin += 1
    match = _SENTENCE_END.search(text, end)
    return begin, (match.start() if match else len(text))


def sentence_number(text: str, start: int) -> int:
    """Return the 1-based number of the sentence of `text` that starts at `start`."""
    return 1 + sum(1 for _ in _SENTENCE_END.finditer(text, 0, start))


@dataclass
class _Notes:
    """What redacting one field found: scanner (category, rule) pairs and observables by action."""

    fired: set[tuple[str, str]] = field(default_factory=set)
    observed: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class _Context:
    key: Pseudonymizer
    scanner: Scanner
    watchlist: Watchlist | None
    # Observable kind -> the action of the type's fields of its datatypes (None: no such field).
    observable_actions: Mapping[str, fa.Action | None]


def protected_text(text: str) -> str:
    """Return `text` with pseudonym tokens and markers blanked out (same length), so that a
    scanner reads neither as words and redacting again finds nothing new in them."""
    return PROTECTED_RE.sub(lambda m: " " * len(m.group()), text)


def _scrub(text: Any, ctx: _Context, notes: _Notes) -> str:
    """Return `text` with every sentence holding a flagged span replaced by the neutral marker."""
    if not isinstance(text, str):
        raise RedactionError("only text can be scrubbed")
    # Repeat until the scanner is silent, so that scrubbing is idempotent even when a
    # replacement changes the context of a neighbouring phrase.
    for _ in range(_MAX_SCRUB_PASSES):
        findings = sorted(
            ctx.scanner(protected_text(text), watchlist=ctx.watchlist),
            key=lambda f: (f.start, -f.end),
        )
        if not findings:
            break
        notes.fired.update((f.category, f.rule) for f in findings)
        merged: list[list[int]] = []
        for f in findings:
            start, end = sentence_of(text, f.start, f.end)
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        pieces, pos = [], 0
        for start, end in merged:
            # One neutral marker: what kind of statement it was stays in the report, not in
            # what a competitor reads.
            pieces.extend((text[pos:start], NEUTRAL_MARKER))
            pos = end
        pieces.append(text[pos:])
        text = "".join(pieces)
    else:
        if ctx.scanner(protected_text(text), watchlist=ctx.watchlist):
            raise RedactionError("scrubbing did not converge")
    return text


def _observable_form(
    found: Observable, written: str, action: fa.Action | None, key: Pseudonymizer
) -> str:
    """Return what an observable in free text becomes under its datatype's field action."""
    if action is None or action.kind == fa.DROP:
        return NEUTRAL_MARKER
    if action.kind == fa.KEEP:
        return written  # as the analyst wrote it: a defanged URL stays defanged
    datatype = found.datatypes[0]
    try:
        if action.kind == fa.PSEUDONYMIZE:
            return pseudonymize_value(found.value, datatype, key)
        if action.kind == fa.MASK:
            return _mask(found.value, int(action.param))
        family = action.ip_family
        if family:
            return _generalize_ip(found.value, family, int(action.prefix_len))
    except RedactionError:
        pass  # the action does not fit this value (an IPv4 under an ipv6 cut): remove it
    return NEUTRAL_MARKER


def _observe(text: str, ctx: _Context, notes: _Notes) -> str:
    """Return `text` with each observable given its datatype's field action (or removed)."""
    pieces, pos = [], 0
    for found in find_observables(text):
        action = ctx.observable_actions.get(found.kind)
        replacement = _observable_form(found, text[found.start : found.end], action, ctx.key)
        notes.observed[(found.kind, str(action) if action else "removed: no field")] += 1
        pieces.extend((text[pos : found.start], replacement))
        pos = found.end
    pieces.append(text[pos:])
    return "".join(pieces)


def _free_text(value: Any, datatype: str, ctx: _Context, notes: _Notes) -> str:
    """Redact one free-text value: observables first, then the scanner's sentences."""
    if datatype in fa.FREE_TEXT_DATATYPES and isinstance(value, str):
        value = _observe(value, ctx, notes)
    return _scrub(value, ctx, notes)


def _apply_one(value: Any, action: fa.Action, datatype: str, ctx: _Context, notes: _Notes) -> Any:
    """Apply `action` to one scalar value."""
    if value is None:
        return None
    if action.kind == fa.KEEP:
        if datatype in fa.TEXT_DATATYPES and isinstance(value, str):
            return _free_text(value, datatype, ctx, notes)
        return value
    if action.kind == fa.SCRUB:
        return _free_text(value, datatype, ctx, notes)
    if action.kind == fa.MASK:
        return _mask(value, int(action.param))
    if action.kind == fa.PSEUDONYMIZE:
        return pseudonymize_value(value, datatype, ctx.key)
    family = action.ip_family
    if family:
        return _generalize_ip(value, family, int(action.prefix_len))
    if action.param in fa.TIME_GRAINS:
        return _generalize_time(value, str(action.param))
    if action.param == "log10":
        return _log10_bucket(value)
    raise RedactionError(f"action {action} cannot be applied")


def _apply_field(
    name: str, value: Any, action: fa.Action, datatype: str, ctx: _Context
) -> tuple[Any, _Notes]:
    """Apply `action` to a field value, element by element for lists."""
    notes = _Notes()
    try:
        if isinstance(value, list):
            return [_apply_one(item, action, datatype, ctx, notes) for item in value], notes
        if isinstance(value, dict):
            raise RedactionError("nested objects are not redactable")
        return _apply_one(value, action, datatype, ctx, notes), notes
    except RedactionError as exc:
        raise RedactionError(f"field {name!r} ({datatype}): {exc}") from None


def _parse(plan: FieldPlan, action_text: str | None = None) -> fa.Action:
    try:
        return fa.check_action(plan.action if action_text is None else action_text, plan.datatype)
    except fa.ActionError as exc:
        raise RedactionError(f"field {plan.name!r}: {exc}") from None


def _plans_by_name(plans: Sequence[FieldPlan]) -> dict[str, FieldPlan]:
    by_name: dict[str, FieldPlan] = {}
    for plan in plans:
        if plan.name in by_name:
            raise RedactionError(f"two plans for field {plan.name!r}")
        by_name[plan.name] = plan
    return by_name


def _entry(name: str, action: str, reason: str, rule: str | None) -> dict:
    return {"field": name, "action": action, "reason": reason, "rule": rule}


def _findings_text(notes: _Notes) -> str:
    """Return what the scanner and the observable pass found, without any value."""
    parts = []
    if notes.fired:
        parts.append(
            "scanner flagged "
            + ", ".join(f"{category} ({rule})" for category, rule in sorted(notes.fired))
        )
    else:
        parts.append("scanner flagged nothing")
    if notes.observed:
        parts.append(
            "observables: "
            + ", ".join(
                f"{count} {kind} {action}"
                for (kind, action), count in sorted(notes.observed.items())
            )
        )
    return "; ".join(parts)


def _reason(action: fa.Action, datatype: str, notes: _Notes) -> tuple[str, str]:
    """Return the (reported action, reason) of a field redacted under `action`."""
    if action.kind == fa.KEEP and datatype in fa.TEXT_DATATYPES:
        if notes.fired or notes.observed:
            return fa.SCRUB, "kept by policy; " + _findings_text(notes)
        return fa.KEEP, "policy: keep; scanner flagged nothing"
    if action.kind == fa.SCRUB:
        return fa.SCRUB, "policy: scrub; " + _findings_text(notes)
    return str(action), f"policy: {action}"


def observable_actions(plans: Sequence[FieldPlan]) -> dict[str, fa.Action | None]:
    """Return, per observable kind, the action free text gives it under `plans`.

    The action of the type's fields of the kind's datatypes (free-text fields aside); where they
    differ, the strictest, or drop when none is at least as strict as every other; None (remove)
    when the type has no such field.
    """
    out: dict[str, fa.Action | None] = {}
    for kind, datatypes in KIND_DATATYPES.items():
        found = [
            _parse(plan)
            for plan in plans
            if plan.datatype in datatypes and plan.datatype not in fa.TEXT_DATATYPES
        ]
        if not found:
            out[kind] = None
            continue
        strictest = [a for a in found if all(fa.is_at_least_as_strict(a, b) for b in found)]
        out[kind] = strictest[0] if strictest else fa.Action(fa.DROP)
    return out


# A short structured string (a tool name, a user agent, a version) has few bare words; a
# sentence smuggled into one has many. Four bare words is where prose starts.
_BARE_WORD_RE = re.compile(r"(?<![\w/.\-(\[])[^\W\d_]{2,}[,;:.!?]?(?![\w/.\-)\]])")
PROSE_MIN_WORDS = 4


def reads_as_prose(text: str) -> bool:
    """Return True when a short-string value holds a phrase rather than an identifier."""
    return len(_BARE_WORD_RE.findall(protected_text(text))) >= PROSE_MIN_WORDS


def _publishes_text(value: Any, datatype: str | None) -> bool:
    if not isinstance(value, str):
        return False
    if datatype in fa.FREE_TEXT_DATATYPES:
        return any(c.isalnum() for c in protected_text(value))
    return datatype in fa.TEXT_DATATYPES and reads_as_prose(value)


def free_text_fields(payload: Mapping[str, Any], datatypes: Mapping[str, str]) -> list[str]:
    """Return the fields of a redacted `payload` that publish free text (sorted).

    `datatypes` maps field names to datatypes. A `text` field publishes free text when any of
    its values keeps a letter or digit outside pseudonym tokens and redaction markers; a
    `string` field when a value reads as prose (a sentence put where an identifier belongs).
    """
    names = []
    for name in sorted(payload):
        value = payload[name]
        values = value if isinstance(value, list) else [value]
        if any(_publishes_text(v, datatypes.get(name)) for v in values):
            names.append(name)
    return names


# --------------------------------------------------------------------------------------------
# Public entry points


def redact(
    payload: dict,
    plans: Sequence[FieldPlan],
    *,
    key: Pseudonymizer,
    scanner: Scanner = scan,
    watchlist: Watchlist | None = None,
) -> RedactionResult:
    """Redact `payload` under `plans`; fields without a plan are dropped."""
    by_name = _plans_by_name(plans)
    ctx = _Context(key, scanner, watchlist, observable_actions(plans))
    out: dict[str, Any] = {}
    report: list[dict] = []
    for name in sorted(payload):
        plan = by_name.get(name)
        if plan is None:
            report.append(_entry(name, fa.DROP, NO_RULE_REASON, None))
            continue
        action = _parse(plan)
        if action.kind == fa.DROP:
            report.append(_entry(name, fa.DROP, f"policy: {fa.DROP}", plan.rule))
            continue
        value, notes = _apply_field(name, payload[name], action, plan.datatype, ctx)
        out[name] = value
        reported, reason = _reason(action, plan.datatype, notes)
        report.append(_entry(name, reported, reason, plan.rule))
    return RedactionResult(payload=out, report=report)


def apply_extra_redactions(
    result_payload: dict,
    extra: Mapping[str, str],
    plans: Sequence[FieldPlan],
    *,
    key: Pseudonymizer,
    scanner: Scanner = scan,
    watchlist: Watchlist | None = None,
) -> RedactionResult:
    """Apply a reviewer's stricter actions to an already redacted payload.

    Raise RedactionError when a field has no plan or an action is less strict than the planned
    one. The report holds entries for the extra fields only; callers append it to the original.
    """
    by_name = _plans_by_name(plans)
    actions: dict[str, fa.Action] = {}
    for name in sorted(extra):
        plan = by_name.get(name)
        if plan is None:
            raise RedactionError(f"field {name!r} has no plan: it is already dropped")
        planned, wanted = _parse(plan), _parse(plan, extra[name])
        if not fa.is_at_least_as_strict(wanted, planned):
            raise RedactionError(
                f"field {name!r}: {wanted} is less strict than the planned {planned}"
            )
        actions[name] = wanted
    ctx = _Context(key, scanner, watchlist, observable_actions(plans))
    out = dict(result_payload)
    report: list[dict] = []
    for name, action in actions.items():
        plan = by_name[name]
        reason = f"reviewer: stricter than policy ({plan.action})"
        if action.kind == fa.DROP:
            out.pop(name, None)
        elif name in out:
            out[name], _ = _apply_field(name, out[name], action, plan.datatype, ctx)
        report.append(_entry(name, str(action), reason, plan.rule))
    return RedactionResult(payload=out, report=report)
