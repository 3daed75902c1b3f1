"""The public transparency report: computed from the audit log up to a signed checkpoint.

Public data (no user to scope to): the figures are those of `audit/core/report.py`, which keeps
inside the safety zone, over the events a checkpoint covers, and the report is signed with the
forum's key. A report depends only on the checkpoint and the parameter, so it is cached by them.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.cache import cache

from audit import keys
from audit.core.report import build_report, note_body, quarter_bounds
from audit.core.report_verify import signed_report
from audit.core.signed_note import sign_note
from audit.exporting import iter_leaves
from audit.models import AuditCheckpoint
from config.errors import NotFound
from governance.selectors.policy import policy_version_in_force


def min_contributors() -> int:
    """Return the policy's minimum of contributing members for a published figure.

    The smallest `min_contributors` counsel approved for any statistic of the policy in force
    (its `aggregates` section); the setting's default where the policy has no statistic.
    """
    default = settings.CLEARROOM_TRANSPARENCY_MIN_CONTRIBUTORS
    version = policy_version_in_force()
    aggregates = (version.rules.get("aggregates") or {}) if version is not None else {}
    minimums = [int(spec["min_contributors"]) for spec in aggregates.values()]
    return min(minimums) if minimums else default


def report_checkpoint() -> AuditCheckpoint | None:
    """Return the checkpoint the current report is computed from: the latest signed one."""
    return AuditCheckpoint.objects.order_by("-size").first()


def transparency_report(*, checkpoint: AuditCheckpoint | None = None) -> dict[str, Any]:
    """Return the signed report (`{"report": ..., "signature": note}`) at `checkpoint`.

    Raise NotFound when the forum has signed no checkpoint yet.
    """
    checkpoint = checkpoint or report_checkpoint()
    if checkpoint is None:
        raise NotFound("The forum has not signed an audit checkpoint yet; no report exists.")
    minimum = min_contributors()
    cache_key = f"transparency:report:v1:{checkpoint.size}:{checkpoint.root_hash}:{minimum}"
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    events = (json.loads(leaf) for leaf in iter_leaves(0, checkpoint.size))
    document = build_report(
        events,
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=bytes.fromhex(checkpoint.root_hash),
        min_contributors=minimum,
    )
    signed = signed_report(
        document, sign_note(note_body(document), keys.key_name(), keys.signing_key())
    )
    cache.set(cache_key, signed, timeout=None)
    return signed


def report_quarter(signed: dict[str, Any], quarter: str) -> dict[str, Any]:
    """Return the figures of `quarter` (YYYY-Qn) in a report; raise NotFound if it has none."""
    try:
        quarter_bounds(quarter)
    except ValueError as exc:
        raise NotFound(f"{quarter} is not a quarter (YYYY-Qn).") from exc
    for figures in signed["report"]["figures"]["quarters"]:
        if figures["quarter"] == quarter:
            return figures
    raise NotFound(f"The report has no figures for {quarter}.")
