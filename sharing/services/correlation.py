"""Index the pseudonyms of published indicators, and carry them across key rotations.

The index (`CorrelationToken`) is derived data: it can be rebuilt at any time from the live
indicators by `correlation_reindex`, so publication's call to `correlation_index_published` is
an optimisation, never a dependency. Published payloads are never rewritten: recipients already
hold them and their hashes are in the audit log. Re-pseudonymisation on key rotation changes
only the index's canonical tokens and records old → new mappings, which keep indicators whose
originals were since purged linked to those published under the new key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

from audit import actions
from audit.actors import SYSTEM
from audit.services.log import audit_record
from config.bulk import bulk_insert
from config.errors import Conflict
from config.jobs import enqueue_on_commit
from sharing.core import correlation
from sharing.core.redaction import Pseudonymizer, pseudonymize_value
from sharing.keys import current_key_ref, key_for_ref
from sharing.models import CorrelationToken, PseudonymMapping, SharedIndicator

_MISSING = object()


def current_key_id() -> str:
    """Return the id of the pseudonymisation key intake uses now."""
    return settings.CLEARROOM_PSEUDONYM_KEY_ID


def live_indicators():
    """Return the published indicators that are neither withdrawn nor expired."""
    return SharedIndicator.objects.filter(withdrawn_at__isnull=True, expired_at__isnull=True)


class _Keys:
    """The pseudonym keys of one run by ``<scheme>:<key id>``, loaded once each.

    Unknown keys are never generated: a missing old key must not become a fresh random one.
    """

    def __init__(self) -> None:
        self._loaded: dict[str, Pseudonymizer | None] = {}

    def get(self, key_ref: str) -> Pseudonymizer | None:
        if key_ref not in self._loaded:
            self._loaded[key_ref] = key_for_ref(key_ref)
        return self._loaded[key_ref]


def _original_value(indicator: SharedIndicator, field: str, position: int) -> Any:
    payload = indicator.submission.payload
    if not isinstance(payload, dict) or field not in payload:
        return _MISSING
    value = payload[field]
    if isinstance(value, list):
        return value[position] if position < len(value) else _MISSING
    return value if position == 0 else _MISSING


def _datatype(indicator: SharedIndicator, field: str) -> str | None:
    for spec in indicator.indicator_type.fields:
        if spec["name"] == field:
            return spec["datatype"]
    return None


class _Rekeyer:
    """Compute the canonical token of an occurrence under the current key, recording mappings.

    Tokens of another key (an older OPRF key, or an HMAC key of before #20) are
    re-pseudonymised from the original while the submission still holds it, and only when the
    original reproduces the published token; after that the recorded old → new mapping
    carries them. Keys are told apart by scheme and id (`correlation.token_key`).
    """

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        self.key_ref = current_key_ref()
        self.keys = _Keys()
        self.mapping = dict(PseudonymMapping.objects.values_list("old_token", "new_token"))
        self.from_original = 0
        self.via_mapping = 0
        self.unmapped = 0
        self.mappings_created = 0

    def _from_original(self, indicator: SharedIndicator, field: str, position: int, token: str):
        original = _original_value(indicator, field, position)
        datatype = _datatype(indicator, field)
        if original is _MISSING or datatype is None:
            return None
        old_key = self.keys.get(correlation.token_key(token))
        new_key = self.keys.get(self.key_ref)
        if old_key is None or new_key is None:
            return None
        # Only trust the original when it reproduces the published token exactly.
        if pseudonymize_value(original, datatype, old_key) != token:
            return None
        return pseudonymize_value(original, datatype, new_key)

    def _remember(self, old: str, new: str) -> None:
        if self.mapping.get(old) == new:
            return
        PseudonymMapping.objects.update_or_create(
            old_token=old, defaults={"new_token": new, "key_id": self.key_id}
        )
        self.mapping[old] = new
        self.mappings_created += 1

    def canonical(self, indicator: SharedIndicator, field: str, position: int, token: str) -> str:
        if correlation.token_key(token) == self.key_ref:
            return token
        new = self._from_original(indicator, field, position, token)
        if new is not None:
            self._remember(token, new)
            self.from_original += 1
            return new
        mapped = correlation.canonical_token(token, self.mapping)
        if mapped != token and correlation.token_key(mapped) == self.key_ref:
            self.via_mapping += 1
            return mapped
        self.unmapped += 1
        return mapped


def _desired_rows(indicator: SharedIndicator, rekeyer: _Rekeyer) -> dict[tuple[str, int], tuple]:
    rows = {}
    for occurrence in correlation.extract_tokens(indicator.redacted_payload or {}):
        canonical = rekeyer.canonical(
            indicator, occurrence.field, occurrence.position, occurrence.token
        )
        rows[(occurrence.field, occurrence.position)] = (occurrence.token, canonical)
    return rows


def _sync(indicator: SharedIndicator, rekeyer: _Rekeyer) -> list[CorrelationToken]:
    live = indicator.withdrawn_at is None and indicator.expired_at is None
    desired = _desired_rows(indicator, rekeyer) if live else {}
    existing = {(row.field, row.position): row for row in indicator.correlation_tokens.all()}
    stale = [row.pk for slot, row in existing.items() if slot not in desired]
    if stale:
        CorrelationToken.objects.filter(pk__in=stale).delete()
    kept: list[CorrelationToken] = []
    for (field, position), (token, canonical) in sorted(desired.items()):
        row = existing.get((field, position))
        if row is None:
            row = CorrelationToken.objects.create(
                indicator=indicator,
                field=field,
                position=position,
                token=token,
                canonical=canonical,
            )
        elif (row.token, row.canonical) != (token, canonical):
            CorrelationToken.objects.filter(pk=row.pk).update(token=token, canonical=canonical)
            row.token, row.canonical = token, canonical
        kept.append(row)
    return kept


def _summary(rekeyer: _Rekeyer, indexed: int) -> dict[str, int | str]:
    return {
        "key_id": rekeyer.key_id,
        "tokens": indexed,
        "from_original": rekeyer.from_original,
        "via_mapping": rekeyer.via_mapping,
        "unmapped": rekeyer.unmapped,
        "mappings_created": rekeyer.mappings_created,
    }


def _audit_rekey(actor, rekeyer: _Rekeyer, indexed: int) -> dict[str, int | str]:
    summary = _summary(rekeyer, indexed)
    audit_record(
        actor=actor,
        action=actions.CORRELATION_KEY_ROTATED,
        object_type="sharing.correlationtoken",
        object_id=rekeyer.key_id,
        data=summary,
    )
    return summary


def _with_relations(indicators) -> Iterable[SharedIndicator]:
    return indicators.select_related("submission", "indicator_type").prefetch_related(
        "correlation_tokens"
    )


@transaction.atomic
def correlation_index_indicator(*, indicator: SharedIndicator) -> list[CorrelationToken]:
    """Index the pseudonyms of one published indicator (drop them once it is not live).

    Idempotent; publication calls it in its transaction, withdrawal and expiry may too.
    """
    fresh = _with_relations(SharedIndicator.objects.filter(pk=indicator.pk)).get()
    rekeyer = _Rekeyer(current_key_id())
    rows = _sync(fresh, rekeyer)
    if rekeyer.mappings_created:  # every re-pseudonymisation is audited, whichever path ran it
        _audit_rekey(SYSTEM, rekeyer, len(rows))
    return rows


def correlation_index_published(indicators: list[SharedIndicator]) -> list[CorrelationToken]:
    """Index the pseudonyms of indicators published in this transaction, in one insert.

    For a batch of new indicators (none has a token row yet) whose `submission` and
    `indicator_type` are loaded; the rows equal what `correlation_index_indicator` writes.
    """
    rekeyer = _Rekeyer(current_key_id())
    rows = [
        CorrelationToken(
            indicator=indicator, field=field, position=position, token=token, canonical=canonical
        )
        for indicator in indicators
        for (field, position), (token, canonical) in sorted(
            _desired_rows(indicator, rekeyer).items()
        )
    ]
    bulk_insert(CorrelationToken, rows)
    if rekeyer.mappings_created:  # every re-pseudonymisation is audited, whichever path ran it
        _audit_rekey(SYSTEM, rekeyer, len(rows))
    return rows


@transaction.atomic
def correlation_reindex() -> int:
    """Bring the whole index in line with the live indicators; return the rows indexed.

    Idempotent: a second run changes nothing. Rows of withdrawn or expired indicators go.
    """
    CorrelationToken.objects.exclude(indicator__in=live_indicators()).delete()
    rekeyer = _Rekeyer(current_key_id())
    count = 0
    for indicator in _with_relations(live_indicators().order_by("published_at", "id")):
        count += len(_sync(indicator, rekeyer))
    if rekeyer.mappings_created:  # every re-pseudonymisation is audited, whichever path ran it
        _audit_rekey(SYSTEM, rekeyer, count)
    return count


@transaction.atomic
def correlation_rekey(*, actor, key_id: str) -> dict[str, int | str]:
    """Re-pseudonymise the index under the current key `key_id` after a key rotation.

    From originals while they exist (recording old → new mappings), through earlier mappings
    once they are purged. Refuses a key id that is not the current one (a stale task).
    """
    if key_id != current_key_id():
        raise Conflict(
            f"Key {key_id!r} is not the current pseudonymisation key ({current_key_id()!r})."
        )
    rekeyer = _Rekeyer(key_id)
    indexed = 0
    for indicator in _with_relations(live_indicators().order_by("published_at", "id")):
        indexed += len(_sync(indicator, rekeyer))
    return _audit_rekey(actor, rekeyer, indexed)


def correlation_rekey_enqueue(*, key_id: str | None = None) -> None:
    """Schedule the re-pseudonymisation task after the current transaction commits."""
    enqueue_on_commit("sharing.tasks.correlation_rekey_task", key_id=key_id or current_key_id())
