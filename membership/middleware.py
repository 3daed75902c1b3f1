"""The antitrust-charter gate: a signed-in person accepts the charter in force before any page.

Only pages are gated: the REST API and TAXII serve machines (API tokens, HTTP Basic), which do
not accept charters; the people who own those credentials accept it in the browser. Nothing is
gated while no charter version is in force.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from membership.selectors.charter import has_accepted
from membership.selectors.documents import charter_in_force

# Machines (API, TAXII), assets, the admin, and the public transparency report and checkpoint
# feed (anyone reads them without logging in, so a signed-in user needs no charter for them).
# The second factor's pages and single sign-on come first: a person proves who they are
# (identity's middleware runs before this one), then accepts the charter.
NOT_GATED_PREFIXES = (
    "/api/",
    "/taxii2/",
    "/static/",
    "/admin/",
    "/transparency/",
    "/account/second-factor/",
    "/login/",
)
# Pages a person needs before (or instead of) accepting: signing in and out, the charter
# itself, and the public membership pages.
NOT_GATED_ROUTES = frozenset(
    {
        "login",
        "logout",
        "charter-accept",
        "membership-criteria",
        "membership-apply",
        "membership-status",
        "membership-invitation",
    }
)
SESSION_KEY = "clearroom_charter_accepted"


class CharterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(NOT_GATED_PREFIXES):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in NOT_GATED_ROUTES:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        charter = charter_in_force()
        if charter is None:
            return None
        # The session remembers the version accepted, so a page costs one query, not two.
        if request.session.get(SESSION_KEY) == charter.pk:
            return None
        if has_accepted(user, charter):
            request.session[SESSION_KEY] = charter.pk
            return None
        target = reverse("charter-accept")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return redirect(target)


def remember_acceptance(request, charter) -> None:
    """Note in the session that this person accepted `charter`."""
    request.session[SESSION_KEY] = charter.pk
