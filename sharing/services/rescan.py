"""Rescan published indicators when the sensitive-content detector changes.

Each published indicator records the detector version that last read it. When
`sharing.core.scanning.DETECTOR_VERSION` differs (an upgraded detector was deployed), the scheduled
rescan reads the free text of every live indicator again, as published, with its contributor's
watchlist. A sentence the new detector flags lands on counsel's recall list with the sentence
to highlight; the indicator stays published until counsel withdraws it (nothing is unpublished
by a machine). Idempotent: an indicator is rescanned once per detector version.
"""

from __future__ import annotations

from django.db import transaction

from audit import actions
from audit.actors import SYSTEM
from audit.services.log import audit_record
from sharing.core import scanning
from sharing.core.redaction import protected_text, sentence_of
from sharing.models import SharedIndicator
from sharing.services.intake import scanned_texts
from sharing.services.watchlist import watchlist_for


def published_flags(indicator: SharedIndicator, watchlist) -> list[dict]:
    """Return the current detector's findings in the published free text of `indicator`.

    Each flag names the field (and list index), the sentence to highlight (`start`/`end` in the
    published text), the category, rule and explanation. Markers and pseudonym tokens are not
    read.
    """
    flags: list[dict] = []
    for name, index, text in scanned_texts(
        indicator.indicator_type.fields, indicator.redacted_payload
    ):
        for finding in scanning.scan(protected_text(text), watchlist=watchlist):
            start, end = sentence_of(text, finding.start, finding.end)
            flag = {
                "field": name,
                "start": start,
                "end": end,
                "category": finding.category,
                "rule": finding.rule,
                "explanation": finding.explanation,
            }
            if index is not None:
                flag["index"] = index
            flags.append(flag)
    return flags


def _stale():
    return SharedIndicator.objects.filter(
        withdrawn_at__isnull=True, expired_at__isnull=True
    ).exclude(detector_version=scanning.DETECTOR_VERSION)


def indicators_rescan() -> list[SharedIndicator]:
    """Rescan the live indicators last read by another detector version; return those flagged.

    One transaction per indicator (its row locked, the scan in memory), so a long rescan never
    holds many locks; one `indicator.recall_flagged` event per indicator the new detector flags,
    and one `indicator.rescanned` event per run that rescanned anything.
    """
    version = scanning.DETECTOR_VERSION
    watchlists: dict[int, object] = {}
    flagged: list[SharedIndicator] = []
    rescanned = 0
    previous_versions: set[str] = set()
    for pk in list(_stale().order_by("published_at", "id").values_list("pk", flat=True)):
        with transaction.atomic():
            indicator = (
                _stale()
                .select_for_update(of=("self",))
                .select_related("indicator_type", "contributor")
                .filter(pk=pk)
                .first()
            )
            if indicator is None:  # withdrawn, expired or rescanned meanwhile
                continue
            contributor = indicator.contributor
            if contributor.pk not in watchlists:
                watchlists[contributor.pk] = watchlist_for(organization=contributor)
            flags = published_flags(indicator, watchlists[contributor.pk])
            previous_versions.add(indicator.detector_version or "(none)")
            previous = indicator.detector_version
            indicator.detector_version = version
            indicator.recall_flags = flags
            indicator.save(update_fields=["detector_version", "recall_flags"])
            rescanned += 1
            if not flags:
                continue
            audit_record(
                actor=SYSTEM,
                action=actions.INDICATOR_RECALL_FLAGGED,
                obj=indicator,
                organization=contributor,
                data={
                    "stix_id": indicator.stix_id,
                    "reasons": [f"detector {version} flags published free text"],
                    "detector_version": version,
                    "previous_detector_version": previous,
                    "flags": _summary(flags),
                },
            )
            flagged.append(indicator)
    if rescanned:
        with transaction.atomic():
            audit_record(
                actor=SYSTEM,
                action=actions.INDICATORS_RESCANNED,
                object_type="detector",
                object_id=version,
                data={
                    "detector_version": version,
                    "previous_versions": sorted(previous_versions),
                    "rescanned": rescanned,
                    "flagged": len(flagged),
                },
            )
    return flagged


def _summary(flags: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for flag in flags:
        counts[flag["category"]] = counts.get(flag["category"], 0) + 1
    return dict(sorted(counts.items()))
