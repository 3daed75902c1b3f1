"""The login-time hook of the second factor, inactivity expiry and step-up, in one middleware.

Django's login form stays as it is: a signed-in session that has not proven a second factor
yet is sent to the verification page (or, when the user must have one and has none, to
enrolment) before any other page; the REST API answers 403 `second_factor_required`. Sessions
idle longer than IDENTITY_IDLE_TIMEOUT_SECONDS are logged out. The routes in STEP_UP ask for
the second factor again when it was proven more than IDENTITY_STEP_UP_SECONDS ago.
Requests authenticated by API token carry no session user and are not concerned (tokens have
their own scopes, and policy approval takes none).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect

from identity import sessions
from identity.core.rules import idle_expired, step_up_needed
from identity.selectors.second_factor import has_second_factor, second_factor_required_for

# Sensitive actions, by route name and method: approve or reject a policy, decide a review,
# download an audit export, issue an API token.
STEP_UP: dict[str, set[str]] = {
    "policy-version-review": {"POST"},
    "api-policy-version-approve": {"POST"},
    "api-policy-version-reject": {"POST"},
    "review-task-decide": {"POST"},
    "api-review-task-decide": {"POST"},
    "audit:export_download": {"GET"},
    "audit_api:export-download": {"GET"},
    "api-tokens": {"POST"},
}

# What a session reaches before proving its second factor: signing in and out; proving it;
# and, only while the user has none, enrolling one (never removing one).
OPEN_ROUTES = {"login", "logout", "identity:sso-start", "identity:sso-callback"}
VERIFY_ROUTES = {
    "identity:verify",
    "identity:passkey-authenticate-options",
    "identity:passkey-authenticate",
}
ENROL_ROUTES = {
    "identity:factors",
    "identity:totp-start",
    "identity:totp-confirm",
    "identity:passkey-register-options",
    "identity:passkey-register",
}
# How often the last-seen time is written to the session (seconds): not on every request.
SEEN_RESOLUTION = 60
EXEMPT_RECHECK = 300


def _api(request) -> bool:
    return request.path.startswith("/api/")


def _refuse(request, code: str, detail: str, url_name: str):
    if _api(request):
        return JsonResponse({"detail": detail, "code": code}, status=403)
    next_url = request.get_full_path() if request.method == "GET" else _referer_path(request)
    return redirect(f"{_reverse(url_name)}?{urlencode({'next': next_url})}")


def _referer_path(request) -> str:
    from urllib.parse import urlsplit

    referer = request.headers.get("Referer", "")
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.get_host():
        return "/"
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _reverse(url_name: str) -> str:
    from django.urls import reverse

    return reverse(url_name)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        route = match.view_name if match is not None else ""
        session = request.session
        now = time.time()

        last_seen = sessions.seen_at(session)
        if idle_expired(now, last_seen, settings.IDENTITY_IDLE_TIMEOUT_SECONDS):
            logout(request)
            if _api(request):
                return JsonResponse(
                    {"detail": "Your session expired after inactivity.", "code": "session_idle"},
                    status=401,
                )
            return redirect(f"{_reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        if last_seen is None or now - last_seen > SEEN_RESOLUTION:
            sessions.mark_seen(session, now)

        if route in OPEN_ROUTES:
            return None
        verified = sessions.verified_at(session)
        if verified is None:
            # Only an unverified session pays for these queries, and a user who neither has
            # nor needs a second factor only every EXEMPT_RECHECK seconds.
            exempt = sessions.exempt_at(session)
            if exempt is not None and now - exempt < EXEMPT_RECHECK:
                return None
            if has_second_factor(user):
                if route in VERIFY_ROUTES:
                    return None
                return _refuse(
                    request,
                    "second_factor_required",
                    "Prove your second factor first (/account/second-factor/verify/).",
                    "identity:verify",
                )
            if second_factor_required_for(user):
                if route in ENROL_ROUTES:
                    return None
                return _refuse(
                    request,
                    "second_factor_required",
                    "Your role needs a second factor: enrol one at /account/second-factor/.",
                    "identity:factors",
                )
            sessions.mark_exempt(session, now)
            return None
        if request.method in STEP_UP.get(route, ()) and step_up_needed(
            now, verified, settings.IDENTITY_STEP_UP_SECONDS
        ):
            return _refuse(
                request,
                "second_factor_stale",
                "This action needs your second factor again.",
                "identity:verify",
            )
        return None
