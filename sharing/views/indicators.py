"""The published-indicators feed: audience-scoped list and detail, the marking-terms gate,
withdrawal and legal holds."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from config.pages import page
from governance.permissions import can
from governance.roles import Capability
from sharing.selectors.indicators import (
    contributor_visible,
    indicator_get,
    indicator_list,
    may_withdraw,
    pending_markings,
)
from sharing.selectors.insights import seen_by_counts
from sharing.services.lifecycle_jobs import indicator_withdraw, legal_hold_lift, legal_hold_place
from sharing.services.publication import MARKING_TERMS, marking_acknowledge

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
        }
        for i in indicators
    ]


def indicator_list_page(request):
    filters = {"type": request.GET.get("type", ""), "tlp": request.GET.get("tlp", "")}
    after = parse_date(request.GET.get("published_after", "") or "")
    if after:
        filters["published_after"] = timezone.make_aware(datetime.combine(after, time.min))
    pending = pending_markings(actor=request.user)
    indicators = list(indicator_list(actor=request.user, filters=filters)[: PAGE_SIZE + 1])
    return render(
        request,
        "sharing/indicators/list.html",
        {
            "rows": _rows(request, indicators[:PAGE_SIZE]),
            "more": len(indicators) > PAGE_SIZE,
            "pending": [{"marking": m, "terms": MARKING_TERMS[m]} for m in pending],
            "filters": {**filters, "published_after": request.GET.get("published_after", "")},
        },
    )


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
indicator_detail_page = _reader(indicator_detail_page)
withdraw = require_POST(_reader(withdraw))
legal_hold = require_POST(_reader(legal_hold))
acknowledge = require_POST(_reader(acknowledge))
