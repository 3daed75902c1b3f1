"""API token rules: scopes, source networks, expiry. Plain functions over plain data."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta

READ = "read"
SUBMIT = "submit"
AUDIT_READ = "audit:read"
SCOPES = (READ, SUBMIT, AUDIT_READ)
DEFAULT_SCOPES = (READ, SUBMIT)
DEFAULT_LIFETIME_DAYS = 90
MAX_NETWORKS = 32


class TokenRuleError(ValueError):
    """A token setting that cannot be accepted; the message says why."""


def normalize_scopes(scopes: Iterable[str] | None) -> list[str]:
    """Return `scopes` deduplicated in canonical order; the default set when none are given."""
    chosen = list(DEFAULT_SCOPES if scopes is None else scopes)
    unknown = sorted(set(chosen) - set(SCOPES))
    if unknown:
        raise TokenRuleError(f"Unknown scope(s): {', '.join(unknown)}. Use {', '.join(SCOPES)}.")
    if not chosen:
        raise TokenRuleError("Choose at least one scope.")
    return [scope for scope in SCOPES if scope in chosen]


def parse_networks(text: str | Iterable[str]) -> list[str]:
    """Return the networks written in `text` (CIDR or single addresses, comma/space/line
    separated) in canonical form; raise TokenRuleError on the first bad one."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    networks: list[str] = []
    for item in items:
        try:
            network = ipaddress.ip_network(item.strip(), strict=False)
        except ValueError:
            raise TokenRuleError(f"{item!r} is not an IP address or network (CIDR).") from None
        if str(network) not in networks:
            networks.append(str(network))
    if len(networks) > MAX_NETWORKS:
        raise TokenRuleError(f"At most {MAX_NETWORKS} networks per token.")
    return networks


def address_allowed(address: str | None, networks: Iterable[str]) -> bool:
    """Return whether `address` lies in one of `networks`; any address when there are none."""
    networks = list(networks)
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in ipaddress.ip_network(network) for network in networks)


def expiry(now: datetime, days: int | None, max_days: int) -> datetime:
    """Return the expiry of a token created at `now` for `days` (default 90, capped by the
    organization's maximum); raise TokenRuleError beyond the maximum."""
    if days is None:
        days = min(DEFAULT_LIFETIME_DAYS, max_days)
    if days < 1:
        raise TokenRuleError("A token lives at least one day.")
    if days > max_days:
        raise TokenRuleError(f"Your organization allows tokens of at most {max_days} days.")
    return now + timedelta(days=days)


def refusal(
    *,
    now: datetime,
    expires_at: datetime,
    scopes: Iterable[str],
    networks: Iterable[str],
    address: str | None,
    needed: str | None,
) -> tuple[str, str] | None:
    """Return why a token may not be used for a request, as (code, sentence); None if it may.

    `needed` is the scope the route asks for; None means the route takes no token at all."""
    if now >= expires_at:
        return "token_expired", f"The API token expired at {expires_at:%Y-%m-%d %H:%M} UTC."
    if not address_allowed(address, networks):
        return (
            "token_source_refused",
            f"The API token may not be used from {address}: it is limited to "
            f"{', '.join(networks)}.",
        )
    if needed is None:
        return (
            "token_not_accepted",
            "This action needs a signed-in person (with a second factor), not an API token.",
        )
    if needed not in set(scopes):
        return (
            "token_out_of_scope",
            f"The API token lacks the scope {needed!r} this request needs "
            f"(it has {', '.join(scopes) or 'none'}).",
        )
    return None
