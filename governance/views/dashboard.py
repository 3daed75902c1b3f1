"""Governance pages: the role-aware dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

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
