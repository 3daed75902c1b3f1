"""The invitation page: the invited person creates their account and lands in the app."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from config.errors import Conflict, NotFound, ValidationFailed
from config.pages import form_add_errors
from membership.forms import InvitationAcceptForm
from membership.services.invitations import invitation_accept, invitation_open


@require_http_methods(["GET", "POST"])
def invitation(request, secret: str):
    try:
        invitation = invitation_open(secret)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = InvitationAcceptForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = invitation_accept(
                    secret=secret,
                    username=data["username"],
                    password=data["password"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                )
            except ValidationFailed as exc:
                form_add_errors(form, exc)
            except (Conflict, NotFound) as exc:
                raise Http404(exc.message) from exc
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("dashboard")
        status = 400
    return render(
        request,
        "membership/invitation.html",
        {"invitation": invitation, "form": form},
        status=status,
    )
