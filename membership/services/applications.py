"""Writes on membership applications and exits; each emits its audit event.

Every applicant is judged against the criteria version in force when it applied, criterion by
criterion; an acceptance creates the organization (governance services) and invites its first
member admin by a one-time link.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from audit import actions
from audit.actors import SYSTEM
from audit.services.log import audit_record
from config.errors import Conflict, ValidationFailed
from config.links import absolute_url
from governance.models import Organization
from governance.permissions import require
from governance.roles import OrgKind, Role
from governance.services.accounts import organization_create
from membership.core.documents import check_assessment, criteria_keys
from membership.core.tokens import new_token
from membership.models import (
    ApplicationState,
    ExitKind,
    ForumDocument,
    MembershipApplication,
    OrganizationExit,
)
from membership.selectors.documents import criteria_in_force
from membership.services.documents import COUNSEL
from membership.services.invitations import invitation_create

MAX_NAME = 200
MAX_EVIDENCE = 5_000
MAX_REASON = 5_000


def _required(value: str, field: str, limit: int, errors: list) -> str:
    value = (value or "").strip()
    if not value:
        errors.append({"field": field, "message": "required"})
    elif len(value) > limit:
        errors.append({"field": field, "message": f"at most {limit} characters"})
    return value


def _send_status_link(*, email: str, organization_name: str, secret: str) -> None:
    subject = f"[{settings.CLEARROOM_FORUM_NAME}] Your membership application"
    body = (
        f"We received the application of {organization_name}.\n\n"
        f"Follow its status, and read the decision and its reasons, at:\n"
        f"{absolute_url('membership-status', secret)}\n"
    )
    send_mail(subject, body, None, [email])


@transaction.atomic
def application_submit(
    *,
    organization_name: str,
    contact_name: str,
    contact_email: str,
    claimed: list[str],
    evidence: str,
) -> tuple[MembershipApplication, str]:
    """Record a public application; return it and the secret of its status link.

    The applicant is anonymous (the audit actor is the system); the event carries no contact
    details, only the application's id, the criteria version and the criteria claimed.
    """
    criteria = criteria_in_force()
    if criteria is None:
        raise Conflict("The forum publishes no admission criteria yet: applications are closed.")
    keys = criteria_keys(criteria.content)
    errors: list[dict[str, str]] = []
    organization_name = _required(organization_name, "organization_name", MAX_NAME, errors)
    contact_name = _required(contact_name, "contact_name", MAX_NAME, errors)
    contact_email = _required(contact_email, "contact_email", 254, errors)
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors.append({"field": "contact_email", "message": "enter a valid e-mail address"})
    evidence = _required(evidence, "evidence", MAX_EVIDENCE, errors)
    claimed = list(dict.fromkeys(claimed or []))
    unknown = [key for key in claimed if key not in keys]
    if unknown:
        errors.append({"field": "claimed", "message": "not a criterion in force"})
    if errors:
        raise ValidationFailed("The application is incomplete.", errors=errors)
    secret, hashed = new_token()
    application = MembershipApplication.objects.create(
        token_hash=hashed,
        organization_name=organization_name,
        contact_name=contact_name,
        contact_email=contact_email,
        criteria=criteria,
        claimed=[key for key in keys if key in claimed],
        evidence=evidence,
    )
    audit_record(
        actor=SYSTEM,
        action=actions.MEMBERSHIP_APPLICATION_SUBMITTED,
        obj=application,
        data={
            "criteria_version": criteria.number,
            "criteria_hash": criteria.approved_hash,
            "claimed": application.claimed,
        },
    )
    transaction.on_commit(
        lambda: _send_status_link(
            email=contact_email, organization_name=organization_name, secret=secret
        )
    )
    return application, secret


def _unique_slug(name: str) -> str:
    base = (slugify(name) or "member")[:56]
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def application_decide(
    *,
    actor,
    application: MembershipApplication,
    accept: bool,
    assessment: dict[str, Any],
    reason: str,
) -> MembershipApplication:
    """Accept or refuse an application with a written reason, each criterion marked met or not.

    Acceptance creates the member organization and invites the contact as its member admin.
    """
    require(actor, COUNSEL)
    application = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    if application.state != ApplicationState.SUBMITTED:
        raise Conflict(f"This application was {application.get_state_display().lower()} already.")
    criteria: ForumDocument = application.criteria
    marks, errors = check_assessment(criteria_keys(criteria.content), assessment, accept=accept)
    reason = _required(reason, "reason", MAX_REASON, errors)
    if errors:
        raise ValidationFailed("The decision is incomplete.", errors=errors)
    organization = None
    if accept:
        organization = organization_create(
            actor=actor,
            slug=_unique_slug(application.organization_name),
            name=application.organization_name,
            kind=OrgKind.MEMBER,
        )
    MembershipApplication.objects.filter(pk=application.pk).update(
        state=ApplicationState.ACCEPTED if accept else ApplicationState.REFUSED,
        decided_by=actor,
        decided_at=timezone.now(),
        assessment=marks,
        reason=reason,
        organization=organization,
    )
    application.refresh_from_db()
    audit_record(
        actor=actor,
        action=(
            actions.MEMBERSHIP_APPLICATION_ACCEPTED
            if accept
            else actions.MEMBERSHIP_APPLICATION_REFUSED
        ),
        obj=application,
        data={
            "criteria_version": criteria.number,
            "criteria_hash": criteria.approved_hash,
            "assessment": marks,
            "reason": reason,
            **({"org": organization.slug} if organization else {}),
        },
    )
    if organization is not None:
        invitation_create(
            actor=actor,
            organization=organization,
            email=application.contact_email,
            role=Role.MEMBER_ADMIN,
            application=application,
        )
    return application


@transaction.atomic
def organization_exit(*, actor, organization: Organization, kind: str, reason: str):
    """Record that a member organization left or was removed, with the reason; deactivate it.

    Its users lose access at once (memberships of inactive organizations grant nothing); its
    published indicators and audit history stay.
    """
    require(actor, COUNSEL)
    errors: list[dict[str, str]] = []
    if kind not in ExitKind.values:
        errors.append({"field": "kind", "message": "left or removed"})
    reason = _required(reason, "reason", MAX_REASON, errors)
    if errors:
        raise ValidationFailed("The exit is incomplete.", errors=errors)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.kind != OrgKind.MEMBER:
        raise Conflict("Only member organizations leave the forum.")
    if not organization.is_active:
        raise Conflict(f"{organization.name} is no longer a member.")
    Organization.objects.filter(pk=organization.pk).update(is_active=False)
    record = OrganizationExit.objects.create(
        organization=organization, kind=kind, reason=reason, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=actions.MEMBERSHIP_EXIT,
        obj=organization,
        organization=organization,
        data={"org": organization.slug, "kind": kind, "reason": reason},
    )
    return record
