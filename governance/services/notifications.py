"""E-mails telling counsel that a policy version waits for their approval, with a link."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail

from config.links import absolute_url
from governance.models import PolicyStatus, PolicyVersion
from governance.roles import ROLE_CAPABILITIES, Capability


def approver_emails(*, excluding_user_id: int | None = None) -> list[str]:
    """Return the addresses of the active users who may approve policy versions."""
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.APPROVE_POLICY in caps]
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role__in=roles,
            memberships__organization__is_active=True,
        )
        .exclude(email="")
    )
    if excluding_user_id is not None:
        users = users.exclude(pk=excluding_user_id)
    return sorted(set(users.values_list("email", flat=True)))


def notify_policy_pending(*, version_id: int) -> int:
    """E-mail every approver but the drafter a link to a version awaiting approval."""
    version = (
        PolicyVersion.objects.select_related("drafted_by")
        .filter(pk=version_id, status=PolicyStatus.PENDING_APPROVAL)
        .first()
    )
    if version is None:
        return 0
    subject = f"[{settings.CLEARROOM_FORUM_NAME}] Policy version {version.number} awaits approval"
    body = (
        f"{version.drafted_by.get_username()} submitted policy version {version.number} for "
        f"approval.\n\nReview the diff and decide: "
        f"{absolute_url('policy-version-review', version.pk)}\n"
    )
    addresses = approver_emails(excluding_user_id=version.drafted_by_id)
    return send_mass_mail([(subject, body, None, [a]) for a in addresses]) if addresses else 0
