"""Single sign-on pages: sign in by e-mail through the organization's provider, the provider's
answer, and the provider's settings for whoever configures them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import Conflict, NotFound, ValidationFailed
from config.pages import form_add_errors, page
from governance.permissions import memberships
from identity.core.oidc import OidcError
from identity.forms import OidcProviderForm, SsoStartForm
from identity.selectors.sso import oidc_provider_of, provider_origins
from identity.services.sso import oidc_provider_set, sso_begin, sso_complete

PENDING = "identity.sso"


def _callback_url(request) -> str:
    return request.build_absolute_uri(reverse("identity:sso-callback"))


@require_http_methods(["GET", "POST"])
def sso_start(request):
    form = SsoStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            url, pending = sso_begin(
                email=form.cleaned_data["email"], redirect_uri=_callback_url(request)
            )
        except (NotFound, OidcError) as exc:
            form.add_error("email", getattr(exc, "message", None) or str(exc))
        else:
            request.session[PENDING] = pending
            return redirect(url)
    response = render(request, "identity/sso_start.html", {"form": form})
    # The form's answer redirects to the provider: the browser checks that redirect against
    # this page's form-action, so the page names the registered providers' origins.
    response._csp_update = {"form-action": provider_origins()}
    return response


@require_GET
def sso_callback(request):
    # Popped before anything else: each state answers once.
    pending = request.session.pop(PENDING, None)
    error = request.GET.get("error")
    if error:
        return render(
            request,
            "identity/sso_refused.html",
            {"reason": f"The identity provider answered: {error}."},
            status=400,
        )
    try:
        user = sso_complete(
            pending=pending,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            redirect_uri=_callback_url(request),
        )
    except OidcError as exc:
        return render(request, "identity/sso_refused.html", {"reason": str(exc)}, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("dashboard")


def _configurable_organization(user):
    for membership in memberships(user):
        if membership.role in ("member_admin", "counsel"):
            return membership.organization
    raise PermissionDenied("This page is for member admins and counsel.")


@page
@require_http_methods(["GET", "POST"])
def organization_sso(request):
    organization = _configurable_organization(request.user)
    provider = oidc_provider_of(organization)
    if request.method == "POST":
        form = OidcProviderForm(request.POST)
        if form.is_valid():
            try:
                oidc_provider_set(
                    actor=request.user, organization=organization, **form.cleaned_data
                )
            except ValidationFailed as exc:
                form_add_errors(form, exc)
            except Conflict as exc:
                form.add_error("email_domains", exc.message)
            else:
                messages.success(request, "Single sign-on saved.")
                return redirect("identity:org-sso")
    else:
        initial = {}
        if provider is not None:
            initial = {
                "issuer": provider.issuer,
                "client_id": provider.client_id,
                "client_secret_ref": provider.client_secret_ref,
                "email_domains": "\n".join(provider.email_domains),
                "mandatory": provider.mandatory,
            }
        form = OidcProviderForm(initial=initial)
    return render(
        request,
        "identity/org_sso.html",
        {"form": form, "organization": organization, "callback": _callback_url(request)},
    )
