"""Field actions of the policy language: grammar, datatype fit and strictness order.

Pure module (no Django): the policy language validates actions with it and the redaction
engine applies them, so both read the same grammar.

Grammar::

    keep | drop | pseudonymize | scrub | mask:N
    generalize:ipv4/N | generalize:ipv6/N | generalize:hour | generalize:day
    generalize:week | generalize:log10
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEEP = "keep"
DROP = "drop"
PSEUDONYMIZE = "pseudonymize"
SCRUB = "scrub"
MASK = "mask"
GENERALIZE = "generalize"

TIME_GRAINS = ("hour", "day", "week")

TEXT_DATATYPES = frozenset({"string", "text"})
# Free text: what an analyst writes in sentences. A published value of one of these datatypes is
# never auto-published (strings are short identifiers: scanned, but not held for that alone).
FREE_TEXT_DATATYPES = frozenset({"text"})
NUMBER_DATATYPES = frozenset({"integer", "decimal"})
ALL_DATATYPES = frozenset(
    {
        "string",
        "text",
        "ipv4",
        "ipv6",
        "cidr",
        "domain",
        "email",
        "url",
        "sha256",
        "integer",
        "decimal",
        "datetime",
        "enum",
        "country",
        "asn",
    }
)

# Strictness rank: a higher rank discloses less. Generalisations and masks sit between keep and
# pseudonymize; within one family a coarser parameter is stricter (see Action.rank).
_RANK = {KEEP: 0, GENERALIZE: 1, MASK: 1, SCRUB: 1, PSEUDONYMIZE: 3, DROP: 4}

_ACTION_RE = re.compile(
    r"^(?:(?P<simple>keep|drop|pseudonymize|scrub)"
    r"|mask:(?P<mask>[0-9]{1,3})"
    r"|generalize:(?:(?P<ipfam>ipv4|ipv6)/(?P<prefix>[0-9]{1,3})|(?P<grain>hour|day|week|log10)))$"
)


class ActionError(ValueError):
    """Raised for an action string outside the grammar or unfit for a datatype."""


@dataclass(frozen=True)
class Action:
    """One parsed field action."""

    kind: str
    param: str | int | None = None

    def __str__(self) -> str:
        if self.kind == MASK:
            return f"mask:{self.param}"
        if self.kind == GENERALIZE:
            return f"generalize:{self.param}"
        return self.kind

    @property
    def ip_family(self) -> str | None:
        if self.kind == GENERALIZE and isinstance(self.param, str) and "/" in self.param:
            return self.param.split("/")[0]
        return None

    @property
    def prefix_len(self) -> int | None:
        if self.ip_family:
            return int(str(self.param).split("/")[1])
        return None


def parse_action(text: str) -> Action:
    """Return the Action for `text`, or raise ActionError naming what is wrong."""
    if not isinstance(text, str):
        raise ActionError(f"action must be a string, not {type(text).__name__}")
    match = _ACTION_RE.match(text.strip())
    if not match:
        raise ActionError(
            f"unknown action {text!r}: expected keep, drop, pseudonymize, scrub, mask:N or "
            "generalize:ipv4/N|ipv6/N|hour|day|week|log10"
        )
    if match["simple"]:
        return Action(match["simple"])
    if match["mask"] is not None:
        return Action(MASK, int(match["mask"]))
    if match["ipfam"]:
        family, prefix = match["ipfam"], int(match["prefix"])
        limit = 32 if family == "ipv4" else 128
        if prefix > limit:
            raise ActionError(f"prefix /{prefix} is longer than an {family} address ({limit})")
        return Action(GENERALIZE, f"{family}/{prefix}")
    return Action(GENERALIZE, match["grain"])


def fits_datatype(action: Action, datatype: str) -> bool:
    """Return True when `action` can be applied to values of `datatype`."""
    if action.kind in (KEEP, DROP, PSEUDONYMIZE):
        return True
    if action.kind == SCRUB:
        return datatype in TEXT_DATATYPES
    if action.kind == MASK:
        return datatype not in NUMBER_DATATYPES and datatype != "datetime"
    family = action.ip_family
    if family == "ipv4":
        return datatype in ("ipv4", "cidr")
    if family == "ipv6":
        return datatype in ("ipv6", "cidr")
    if action.param in TIME_GRAINS:
        return datatype == "datetime"
    if action.param == "log10":
        return datatype in NUMBER_DATATYPES
    return False


def check_action(text: str, datatype: str) -> Action:
    """Parse `text` and check it fits `datatype`; raise ActionError otherwise."""
    action = parse_action(text)
    if not fits_datatype(action, datatype):
        raise ActionError(f"action {action} cannot be applied to a {datatype} field")
    return action


def is_at_least_as_strict(candidate: Action, baseline: Action) -> bool:
    """Return True when `candidate` discloses no more than `baseline`.

    The order is partial: `mask:N`, `scrub` and each `generalize` family are only comparable
    with themselves (and with keep, pseudonymize and drop).
    """
    if candidate == baseline:
        return True
    c, b = _RANK[candidate.kind], _RANK[baseline.kind]
    if b == 0:
        return True
    if c != b:
        return c > b
    # Both in the middle band: only the same family compares.
    if candidate.kind != baseline.kind:
        return False
    if candidate.kind == MASK:
        return int(candidate.param) <= int(baseline.param)  # keeps fewer characters
    if candidate.kind == SCRUB:
        return True
    cf, bf = candidate.ip_family, baseline.ip_family
    if cf or bf:
        return cf == bf and candidate.prefix_len <= baseline.prefix_len
    order = {"hour": 0, "day": 1, "week": 2}
    if candidate.param in order and baseline.param in order:
        return order[candidate.param] >= order[baseline.param]
    return candidate.param == baseline.param
