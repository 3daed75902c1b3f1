"""Governance pages: the login page and the role-aware dashboard."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from governance import demo
from governance.navigation_registry import dashboard_panels, inbox_items
from governance.permissions import capabilities
from governance.roles import Capability


@login_required
def dashboard(request):
    held = capabilities(request.user)
    labels = [cap.label for cap in Capability if cap.value in held]
    return render(
        request,
        "governance/dashboard.html",
        {
            "capability_labels": labels,
            "panels": dashboard_panels(request.user),
            "inbox": inbox_items(request.user),
            "now": timezone.now(),
        },
    )


class LoginView(auth_views.LoginView):
    """Django's login page; in the demo only, it says which demo logins exist."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.CLEARROOM_DEMO:
            context["demo_logins"] = {
                "password": demo.DEMO_PASSWORD,
                "usernames": [username for username, *_ in demo.USERS],
            }
        return context
