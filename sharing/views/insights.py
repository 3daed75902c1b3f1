"""Correlation, campaigns, safety-zone statistics and policy simulation pages."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from config.pages import page
from governance.models import PolicyVersion
from governance.permissions import can, is_oversight, memberships
from governance.roles import Capability
from sharing.core.safety_zone import BUCKET_LABELS
from sharing.selectors.insights import (
    campaign_list,
    correlated_indicator_list,
    correlation_min_members,
    may_compile_statistics,
    statistic_list,
)
from sharing.services.simulation import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    SIMULATED_STATUSES,
    policy_simulate,
)
from sharing.services.statistics import statistic_compile

CHART_WIDTH, CHART_HEIGHT, AXIS = 640, 220, 70
# The legend's swatches repeat these colours as `.legend-N` in static/css/clearroom.css.
PALETTE = ("#2e6fdb", "#d9822b", "#2f9e6b", "#9b59b6", "#c0392b", "#7f8c8d", "#16a085")


def chart(values: dict) -> dict:
    """Return the geometry of a grouped bar chart of bucketed weekly counts (drawn as SVG).

    Bars are as tall as their bucket's rank, labelled with the bucket: published counts are
    ranges, never exact figures.
    """
    weeks, series = values.get("weeks", []), values.get("series", {})
    techniques = sorted(series)
    top = len(BUCKET_LABELS) - 1
    plot_w, plot_h = CHART_WIDTH - AXIS - 10, CHART_HEIGHT - 40
    group = plot_w / max(len(weeks), 1)
    bar_w = max(group / max(len(techniques), 1) - 2, 1)
    bars = []
    for t_index, technique in enumerate(techniques):
        for w_index, label in enumerate(series[technique]):
            rank = BUCKET_LABELS.index(label)
            height = plot_h * rank / top
            bars.append(
                {
                    "x": round(AXIS + w_index * group + t_index * (bar_w + 2), 1),
                    "y": round(10 + plot_h - height, 1),
                    "width": round(bar_w, 1),
                    "height": round(height, 1),
                    "color": PALETTE[t_index % len(PALETTE)],
                    "title": f"week of {weeks[w_index]}, {technique}: {label}",
                }
            )
    ticks = [
        {"y": round(10 + plot_h - plot_h * rank / top, 1), "label": label}
        for rank, label in enumerate(BUCKET_LABELS)
    ]
    step = max(len(weeks) // 6, 1)
    week_labels = [
        {"x": round(AXIS + i * group, 1), "label": week} for i, week in enumerate(weeks)
    ][::step]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "axis": AXIS,
        "baseline": 10 + plot_h,
        "bars": bars,
        "ticks": ticks,
        "weeks": week_labels,
        "legend": [
            # `series` names the CSS class of the swatch (the CSP forbids inline styles).
            {"label": t, "color": PALETTE[i % len(PALETTE)], "series": i % len(PALETTE)}
            for i, t in enumerate(techniques)
        ],
    }


@page
def campaigns(request):
    return render(
        request,
        "sharing/insights/campaigns.html",
        {
            "campaigns": campaign_list(actor=request.user),
            "correlated": correlated_indicator_list(actor=request.user),
            "oversight": is_oversight(request.user),
            "viewer_org_ids": {m.organization_id for m in memberships(request.user)},
            "min_members": correlation_min_members(),
        },
    )


@page
def statistics(request):
    views = statistic_list(actor=request.user)
    return render(
        request,
        "sharing/insights/statistics.html",
        {
            "statistics": [
                {"view": view, "chart": chart(view.latest.values) if view.published else None}
                for view in views
            ],
            "may_compile": may_compile_statistics(request.user),
        },
    )


@require_POST
@page
def statistics_compile(request):
    try:
        statistic = statistic_compile(actor=request.user, name=request.POST.get("name", ""))
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{statistic.name}: {statistic.get_status_display().lower()}.")
    return redirect("insights-statistics")


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _simulable_versions():
    return PolicyVersion.objects.filter(status__in=SIMULATED_STATUSES).order_by("-number")


@page
def simulation(request):
    if not can(request.user, Capability.APPROVE_POLICY):
        raise AccessDenied("Only counsel simulate policy versions.")
    result, error = None, None
    if request.method == "POST":
        version = _simulable_versions().filter(pk=request.POST.get("version") or 0).first()
        try:
            limit = int(request.POST.get("limit") or DEFAULT_LIMIT)
        except ValueError:
            limit = 0
        if version is None:
            error = "Choose a draft or a version pending approval."
        else:
            try:
                result = policy_simulate(actor=request.user, version=version, limit=limit)
            except (ValidationFailed, NotFound, Conflict) as exc:
                error = exc.message
    return render(
        request,
        "sharing/insights/simulation.html",
        {
            "versions": _simulable_versions(),
            # A link from a version's diff preselects it (?version=<pk>).
            "selected": _int(request.POST.get("version") or request.GET.get("version")),
            "result": result,
            "summary": result.summary() if result else None,
            "error": error,
            "default_limit": DEFAULT_LIMIT,
            "max_limit": MAX_LIMIT,
        },
    )
