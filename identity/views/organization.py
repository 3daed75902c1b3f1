"""The organization's sign-in requirement, for its member admin."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from config.pages import page
from governance.roles import Capability
from governance.views.accounts import own_organization
from identity.forms import OrganizationSecondFactorForm
from identity.services.second_factor import organization_second_factor_require


@page
@require_http_methods(["GET", "POST"])
def security(request):
    organization = own_organization(request.user, Capability.MANAGE_ORG)
    if request.method == "POST":
        form = OrganizationSecondFactorForm(request.POST)
        if form.is_valid():
            organization_second_factor_require(
                actor=request.user,
                organization=organization,
                required=form.cleaned_data["required"],
            )
            messages.success(request, "Sign-in requirement saved.")
            return redirect("identity:org-security")
    form = OrganizationSecondFactorForm(initial={"required": organization.require_second_factor})
    return render(
        request, "identity/org_security.html", {"form": form, "organization": organization}
    )
