"""The charter gate's page (read and accept the version in force) and who accepted what."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from config.errors import Conflict
from config.pages import page
from membership.middleware import remember_acceptance
from membership.selectors.charter import acceptance_list, has_accepted, may_read_acceptances
from membership.selectors.documents import charter_in_force
from membership.services.charter import charter_accept


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def charter_accept_view(request):
    charter = charter_in_force()
    if request.method == "POST" and charter is not None:
        if str(charter.pk) != request.POST.get("version") or not request.POST.get("accept"):
            messages.error(request, "Tick the box to accept the charter shown below.")
        else:
            try:
                charter_accept(actor=request.user, charter=charter)
            except Conflict as exc:
                messages.error(request, exc.message)
            else:
                remember_acceptance(request, charter)
                messages.success(request, f"You accepted the antitrust charter v{charter.number}.")
                return redirect(_next(request))
    return render(
        request,
        "membership/charter_accept.html",
        {
            "charter": charter,
            "accepted": charter is not None and has_accepted(request.user, charter),
            "next": _next(request),
        },
    )


@page(allow=may_read_acceptances)
def charter_acceptances(request):
    return render(
        request,
        "membership/charter_acceptances.html",
        {"acceptances": acceptance_list(actor=request.user), "in_force": charter_in_force()},
    )
