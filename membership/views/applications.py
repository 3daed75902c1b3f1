"""Counsel's pages: the application queue, the decision, member organizations and exits."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import Conflict, ValidationFailed
from config.pages import form_add_errors, page
from membership.core.documents import criteria_keys
from membership.forms import ApplicationDecisionForm, ExitForm
from membership.models import ApplicationState
from membership.selectors.applications import (
    application_get,
    application_list,
    may_decide,
    member_organization_get,
    member_organizations,
)
from membership.services.applications import application_decide, organization_exit

COUNSEL_ONLY = "Only counsel decides membership."


@page(allow=may_decide, refusal=COUNSEL_ONLY)
def application_queue(request):
    applications = application_list(actor=request.user)
    return render(
        request,
        "membership/applications.html",
        {
            "waiting": [a for a in applications if a.state == ApplicationState.SUBMITTED],
            "decided": [a for a in applications if a.state != ApplicationState.SUBMITTED],
        },
    )


def _field_for(path: str) -> str:
    if path.startswith("assessment."):
        return "criterion_" + path.split(".", 1)[1]
    return path


@page(allow=may_decide, refusal=COUNSEL_ONLY)
@require_http_methods(["GET", "POST"])
def application_detail(request, pk: int):
    application = application_get(actor=request.user, pk=pk)
    items = application.criteria.content["criteria"]
    keys = criteria_keys(application.criteria.content)
    form = ApplicationDecisionForm(request.POST or None, keys=keys)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                application_decide(
                    actor=request.user,
                    application=application,
                    accept=accept,
                    assessment=form.assessment(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationFailed as exc:
                form_add_errors(form, exc, field_for=_field_for)
            except Conflict as exc:
                messages.error(request, exc.message)
                return redirect("membership-application", pk=application.pk)
            else:
                messages.success(
                    request,
                    f"{application.organization_name} "
                    + (
                        "is a member: its contact was e-mailed a one-time invitation."
                        if accept
                        else "was refused; the applicant sees your reason."
                    ),
                )
                return redirect("membership-applications")
        status = 400
    rows = [
        {
            "criterion": c,
            "claimed": c["key"] in application.claimed,
            "field": form[f"criterion_{c['key']}"],
            "met": application.assessment.get(c["key"]),
        }
        for c in items
    ]
    return render(
        request,
        "membership/application_detail.html",
        {"application": application, "rows": rows, "form": form},
        status=status,
    )


@page(allow=may_decide, refusal=COUNSEL_ONLY)
def organizations(request):
    return render(
        request,
        "membership/organizations.html",
        {"organizations": member_organizations(actor=request.user), "form": ExitForm()},
    )


@page(allow=may_decide, refusal=COUNSEL_ONLY)
@require_POST
def organization_exit_view(request, pk: int):
    organization = member_organization_get(actor=request.user, pk=pk)
    form = ExitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say whether the organization left or was removed, and why.")
        return redirect("membership-organizations")
    try:
        organization_exit(
            actor=request.user,
            organization=organization,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
        )
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{organization.name}'s exit is recorded; its users lost access.")
    return redirect("membership-organizations")
