"""The published-indicators feed: audience-scoped list and detail, the marking-terms gate,
withdrawal and legal holds."""

from __future__ import annotations

import csv
import io
import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from config.errors import ApplicationError
from config.pages import page
from governance.permissions import can
from governance.roles import Capability
from governance.selectors.catalog import indicator_type_list
from sharing import stix
from sharing.core.summary import summary_line
from sharing.downloads import attachment, stix_download
from sharing.forms_search import FeedSearchForm
from sharing.selectors.indicators import (
    acknowledged_markings,
    contributor_for,
    contributor_visible,
    indicator_get,
    may_withdraw,
    pending_markings,
)
from sharing.selectors.insights import seen_by_counts
from sharing.selectors.search import indicator_search
from sharing.services.lifecycle_jobs import indicator_withdraw, legal_hold_lift, legal_hold_place
from sharing.services.publication import (
    MARKING_TERMS,
    indicators_export_record,
    marking_acknowledge,
)
from sharing.views.listing import INDICATOR_COLUMNS, query_without, sort_columns

PAGE_SIZE = 50


def _rows(request, indicators):
    seen = seen_by_counts(actor=request.user, indicators=indicators)
    return [
        {
            "indicator": i,
            "contributor": i.contributor
            if contributor_visible(actor=request.user, indicator=i)
            else None,
            "seen_by": seen.get(i.pk),
            "summary": summary_line(i.indicator_type.fields, i.redacted_payload or {}),
        }
        for i in indicators
    ]


def _search(request):
    form = FeedSearchForm(request.GET, types=indicator_type_list(actor=request.user))
    sort = request.GET.get("sort", "") or "-published"
    return form, form.filters(), sort


def indicator_list_page(request):
    form, filters, sort = _search(request)
    acknowledged = acknowledged_markings(request.user)
    pending = pending_markings(actor=request.user, acknowledged=acknowledged)
    results = indicator_search(
        actor=request.user, filters=filters, sort=sort, acknowledged=acknowledged
    )
    page_obj = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/indicators/list.html",
        {
            "form": form,
            "searching": bool(filters),
            "rows": _rows(request, list(page_obj.object_list)),
            "page_obj": page_obj,
            "columns": sort_columns(request, sort, INDICATOR_COLUMNS),
            "query": query_without(request, "page"),
            "export_query": query_without(request, "page", "sort"),
            "pending": [{"marking": m, "terms": MARKING_TERMS[m]} for m in pending],
        },
    )


def indicator_export_page(request, fmt):
    """Download the filtered feed as a STIX bundle or as CSV of the published forms."""
    _form, filters, _sort = _search(request)
    indicators = list(
        indicator_search(actor=request.user, filters=filters, sort="published").select_related(
            "indicator_type", "contributor", "policy_version", "submission"
        )
    )
    if fmt == "stix":
        return stix_download(request, indicators, filters={**filters, "format": fmt})
    body = _csv(request, indicators)
    indicators_export_record(
        actor=request.user,
        stix_ids=[stix.stix_object_id(i) for i in indicators],
        filters={**filters, "format": fmt},
    )
    return attachment(
        body, content_type="text/csv; charset=utf-8", filename="clearroom-indicators.csv"
    )


def _csv(request, indicators) -> str:
    """Return the indicators as CSV: markings, dates and the redacted payload, nothing else."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "type", "tlp", "pap", "published_at", "withdrawn", "contributor", "summary",
         "redacted_payload"]
    )  # fmt: skip
    for i in indicators:
        contributor = contributor_for(actor=request.user, indicator=i)
        writer.writerow(
            [
                stix.stix_object_id(i),
                i.indicator_type.name,
                f"TLP:{i.tlp}",
                f"PAP:{i.pap}",
                i.published_at.isoformat(),
                "yes" if i.withdrawn_at else "no",
                contributor.name if contributor else "anonymous member",
                summary_line(i.indicator_type.fields, i.redacted_payload or {}),
                json.dumps(i.redacted_payload, ensure_ascii=False, sort_keys=True),
            ]
        )
    return out.getvalue()


def indicator_detail_page(request, pk):
    indicator = indicator_get(actor=request.user, pk=pk)
    return render(
        request,
        "sharing/indicators/detail.html",
        {
            "indicator": indicator,
            "contributor": indicator.contributor
            if contributor_visible(actor=request.user, indicator=indicator)
            else None,
            "seen_by": seen_by_counts(actor=request.user, indicators=[indicator]).get(indicator.pk),
            "may_withdraw": may_withdraw(actor=request.user, indicator=indicator),
            "may_hold": can(request.user, Capability.PLACE_LEGAL_HOLD),
            "reads_audit": can(request.user, Capability.READ_AUDIT),
            "legal_hold": indicator.submission.legal_hold
            if can(request.user, Capability.PLACE_LEGAL_HOLD)
            else None,
        },
    )


def withdraw(request, pk):
    indicator = indicator_get(actor=request.user, pk=pk)
    try:
        indicator_withdraw(
            actor=request.user, indicator=indicator, reason=request.POST.get("reason", "")
        )
        messages.success(request, "Indicator withdrawn.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("indicator-detail", pk=pk)


def legal_hold(request, pk):
    indicator = indicator_get(actor=request.user, pk=pk)
    service = legal_hold_place if request.POST.get("hold") == "1" else legal_hold_lift
    try:
        service(
            actor=request.user,
            submission=indicator.submission,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, "Legal hold updated.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("indicator-detail", pk=pk)


def acknowledge(request):
    try:
        for marking in request.POST.getlist("marking"):
            marking_acknowledge(actor=request.user, marking=marking)
        messages.success(request, "Handling terms accepted.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("indicator-list")


# A marking whose handling terms the reader has not accepted yet sends them to the list, where
# they can accept them, instead of the 403 page.
_reader = page(redirect_on={"marking_not_acknowledged": "indicator-list"})
indicator_list_page = _reader(indicator_list_page)
indicator_export_page = require_GET(_reader(indicator_export_page))
indicator_detail_page = _reader(indicator_detail_page)
withdraw = require_POST(_reader(withdraw))
legal_hold = require_POST(_reader(legal_hold))
acknowledge = require_POST(_reader(acknowledge))
