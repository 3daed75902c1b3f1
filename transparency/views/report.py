"""The public transparency report: page, quarter pages, signed JSON and PDF (no login)."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from config.errors import NotFound
from config.pages import http_error
from transparency.core.charts import period_charts, quarter_chart
from transparency.core.pdf import render_pdf
from transparency.selectors.report import report_quarter, transparency_report


def _report_or_none():
    try:
        return transparency_report()
    except NotFound:
        return None


def _duration(seconds: int) -> str:
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"


def _context(signed, period, quarter: str | None) -> dict:
    report = signed["report"]
    times = period["review_times"]
    return {
        "durations": {
            "median": _duration(times.get("median_seconds", 0)),
            "p90": _duration(times.get("p90_seconds", 0)),
        },
        "signed": signed,
        "report": report,
        "period": period,
        "quarter": quarter,
        "quarters": [q["quarter"] for q in report["figures"]["quarters"]],
        "charts": period_charts(period),
        "quarter_chart": quarter_chart(report["figures"]["quarters"]) if quarter is None else None,
    }


@require_GET
def report_page(request):
    signed = _report_or_none()
    if signed is None:
        return render(request, "transparency/report.html", {"signed": None})
    period = signed["report"]["figures"]["since_start"]
    return render(request, "transparency/report.html", _context(signed, period, None))


@require_GET
def quarter_page(request, quarter: str):
    try:
        signed = transparency_report()
        period = report_quarter(signed, quarter)
    except NotFound as exc:
        raise http_error(exc) from exc
    return render(request, "transparency/report.html", _context(signed, period, quarter))


def _signed_or_404():
    try:
        return transparency_report()
    except NotFound as exc:
        raise http_error(exc) from exc


@require_GET
def report_json(request):
    response = JsonResponse(_signed_or_404(), json_dumps_params={"indent": 1})
    response["Content-Disposition"] = 'inline; filename="clearroom-transparency-report.json"'
    return response


@require_GET
def report_pdf(request):
    response = HttpResponse(render_pdf(_signed_or_404()), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="clearroom-transparency-report.pdf"'
    return response
