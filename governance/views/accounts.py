"""An organization's accounts: its API tokens, for its member admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import ValidationFailed
from config.pages import form_add_errors, page
from governance.forms import ApiTokenForm, TokenPolicyForm
from governance.permissions import organizations_with
from governance.roles import Capability
from governance.selectors.accounts import api_token_list
from governance.services.accounts import (
    api_token_create,
    api_token_revoke,
    organization_token_policy_set,
)


def own_organization(user, capability):
    """Return the organization whose pages `user` manages with `capability`, or refuse."""
    found = organizations_with(user, capability)
    if not found:
        raise PermissionDenied("This page is for your organization's member admin.")
    return found[0]


@page
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    organization = own_organization(request.user, Capability.MANAGE_ORG)
    tokens = api_token_list(actor=request.user, organization=organization)
    members = (
        get_user_model()
        .objects.filter(memberships__organization=organization, is_active=True)
        .order_by("username")
    )
    if request.method == "POST" and "max_days" in request.POST:
        return _token_policy(request, organization)
    secret = None
    max_days = organization.api_token_max_days
    if request.method == "POST":
        form = ApiTokenForm(request.POST, members=members, max_days=max_days)
        if form.is_valid():
            try:
                token, secret = api_token_create(
                    actor=request.user,
                    user=form.cleaned_data["user"],
                    organization=organization,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    days=form.cleaned_data["days"],
                    allowed_networks=form.cleaned_data["allowed_networks"],
                )
            except ValidationFailed as exc:
                form_add_errors(form, exc)
            else:
                form = ApiTokenForm(members=members, max_days=max_days)
                messages.success(request, f"Token {token.name} created.")
    else:
        form = ApiTokenForm(members=members, max_days=max_days)
    return render(
        request,
        "governance/api_tokens.html",
        {
            "form": form,
            "policy_form": TokenPolicyForm(initial={"max_days": max_days}),
            "tokens": tokens,
            "secret": secret,
            "organization": organization,
        },
    )


def _token_policy(request, organization):
    """Set the organization's longest token lifetime (the second form of the tokens page)."""
    form = TokenPolicyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The longest lifetime is a number of days from 1 to 3650.")
        return redirect("api-tokens")
    max_days = form.cleaned_data["max_days"]
    organization_token_policy_set(actor=request.user, organization=organization, max_days=max_days)
    messages.success(request, f"New tokens live at most {max_days} days.")
    return redirect("api-tokens")


@page
@require_POST
def api_token_revoke_view(request, pk: int):
    organization = own_organization(request.user, Capability.MANAGE_ORG)
    token = api_token_list(actor=request.user, organization=organization).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("api-tokens")
