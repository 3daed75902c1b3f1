"""Reads on an organization's accounts: its API tokens, for its member admins."""

from __future__ import annotations

from django.db.models import QuerySet

from config.errors import AccessDenied
from governance.models import ApiToken, Organization
from governance.permissions import organizations_with
from governance.roles import Capability


def api_token_list(*, actor, organization: Organization) -> QuerySet:
    """Return `organization`'s API tokens, for its member admins."""
    if organization not in organizations_with(actor, Capability.MANAGE_ORG):
        raise AccessDenied("Only your organization's member admin manages its API tokens.")
    return ApiToken.objects.filter(organization=organization).select_related("user", "created_by")
