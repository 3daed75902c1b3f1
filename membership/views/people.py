"""The organization's people and the invitations of its member admin (Settings → People)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from config.errors import ValidationFailed
from config.pages import form_add_errors, page
from governance.roles import Capability
from governance.views.accounts import own_organization
from membership.forms import ColleagueInviteForm
from membership.selectors.invitations import pending_invitations, people_of
from membership.services.invitations import colleague_invite


@page
@require_http_methods(["GET", "POST"])
def people(request):
    organization = own_organization(request.user, Capability.MANAGE_ORG)
    form = ColleagueInviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                colleague_invite(
                    actor=request.user,
                    organization=organization,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except ValidationFailed as exc:
                form_add_errors(form, exc)
            else:
                messages.success(
                    request, f"Invitation sent to {form.cleaned_data['email']} (one-time link)."
                )
                return redirect("membership-people")
        status = 400
    context = {
        "organization": organization,
        "form": form,
        "people": people_of(actor=request.user, organization=organization),
        "invitations": pending_invitations(actor=request.user, organization=organization),
    }
    return render(request, "membership/people.html", context, status=status)
