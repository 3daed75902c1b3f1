"""Public membership pages (no login): the criteria in force, the application form, the
applicant's status page."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from config.errors import Conflict, NotFound, ValidationFailed
from config.pages import form_add_errors
from membership.forms import ApplicationForm
from membership.selectors.applications import application_by_token
from membership.selectors.documents import criteria_in_force
from membership.services.applications import application_submit
from membership.throttle import client_key, throttle_hit


def criteria(request):
    return render(request, "membership/criteria.html", {"criteria": criteria_in_force()})


def _refused(request, status: int, title: str, message: str, **headers):
    response = render(
        request,
        "membership/refused.html",
        {"title": title, "message": message},
        status=status,
    )
    for name, value in headers.items():
        response[name] = value
    return response


@require_http_methods(["GET", "POST"])
def apply(request):
    in_force = criteria_in_force()
    if request.method == "GET":
        form = ApplicationForm(criteria=in_force)
        return render(request, "membership/apply.html", {"form": form, "criteria": in_force})
    # Checks before anything is read or stored: the rate, the size, the honeypot.
    wait = throttle_hit(
        scope="membership-apply",
        client=client_key(request),
        limit=settings.MEMBERSHIP_APPLY_LIMIT,
        window_seconds=settings.MEMBERSHIP_APPLY_WINDOW_SECONDS,
    )
    if wait:
        minutes = max(1, round(wait / 60))
        return _refused(
            request,
            429,
            "Too many applications",
            f"This address sent too many applications. Try again in about {minutes} minute"
            f"{'s' if minutes != 1 else ''}.",
            **{"Retry-After": str(wait)},
        )
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > settings.MEMBERSHIP_APPLY_MAX_BYTES:
        return _refused(
            request,
            413,
            "Application too large",
            f"An application is at most {settings.MEMBERSHIP_APPLY_MAX_BYTES // 1024} KB. "
            "Shorten the evidence and send it again.",
        )
    if in_force is None:
        return _refused(
            request,
            409,
            "Applications are closed",
            "The forum publishes no admission criteria yet.",
        )
    form = ApplicationForm(request.POST, criteria=in_force)
    if request.POST.get("website"):
        return _refused(
            request,
            400,
            "Application not accepted",
            "The form was not filled in as a person fills it in. Nothing was stored.",
        )
    if form.is_valid():
        data = form.cleaned_data
        try:
            application, secret = application_submit(
                organization_name=data["organization_name"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                claimed=data["claimed"],
                evidence=data["evidence"],
            )
        except ValidationFailed as exc:
            form_add_errors(form, exc)
        except Conflict as exc:
            return _refused(request, 409, "Applications are closed", exc.message)
        else:
            return redirect("membership-status", secret=secret)
    return render(
        request, "membership/apply.html", {"form": form, "criteria": in_force}, status=400
    )


def status(request, secret: str):
    try:
        application = application_by_token(secret)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    criteria_items = application.criteria.content["criteria"]
    rows = [
        {
            "title": c["title"],
            "claimed": c["key"] in application.claimed,
            "met": application.assessment.get(c["key"]),
        }
        for c in criteria_items
    ]
    response = render(request, "membership/status.html", {"application": application, "rows": rows})
    # The URL is the applicant's secret: not cached on the way (SECURE_REFERRER_POLICY,
    # same-origin, already keeps it from other sites).
    response["Cache-Control"] = "no-store"
    return response
