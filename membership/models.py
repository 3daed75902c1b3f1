"""Forum documents (admission criteria, antitrust charter), applications, invitations, exits."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from governance.models import Organization
from governance.roles import Role


class DocumentKind(models.TextChoices):
    CRITERIA = "criteria", "Admission criteria"
    CHARTER = "charter", "Antitrust charter"


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class ForumDocument(models.Model):
    """One version of a counsel-approved document; frozen from submission on, like policy."""

    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    number = models.PositiveIntegerField()
    # Criteria: {"title", "introduction", "criteria": [{"key", "title", "description"}]};
    # charter: {"title", "text"}.
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    # Null only for documents the system seeded (the demo); people always draft as themselves.
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    drafted_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_statement = models.TextField(blank=True)
    approved_hash = models.CharField(max_length=64, blank=True)
    effective_from = models.DateTimeField(null=True, blank=True)
    effective_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="forum_document_number"),
            models.CheckConstraint(
                condition=~models.Q(status__in=["approved", "superseded"])
                | (models.Q(effective_from__isnull=False) & ~models.Q(approved_hash="")),
                name="approved_document_has_hash_and_start",
            ),
            # At most one version of each kind is in force.
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(status="approved"),
                name="one_document_in_force_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.number} ({self.status})"

    @property
    def title(self) -> str:
        return str(self.content.get("title") or self.get_kind_display())


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", "Awaiting decision"
    ACCEPTED = "accepted", "Accepted"
    REFUSED = "refused", "Refused"


class MembershipApplication(models.Model):
    """A lab's application to join, judged against the criteria version it applied under."""

    # Only the SHA-256 of the applicant's status-link token is kept.
    token_hash = models.CharField(max_length=64, unique=True)
    organization_name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    criteria = models.ForeignKey(ForumDocument, on_delete=models.PROTECT, related_name="+")
    claimed = models.JSONField(default=list)  # criterion keys the applicant says it meets
    evidence = models.TextField()
    state = models.CharField(
        max_length=16, choices=ApplicationState.choices, default=ApplicationState.SUBMITTED
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    assessment = models.JSONField(default=dict)  # {criterion key: true (met) | false (not met)}
    reason = models.TextField(blank=True)
    organization = models.OneToOneField(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
    )

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="submitted") | ~models.Q(reason=""),
                name="decided_application_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Application of {self.organization_name} ({self.state})"


class MemberInvitation(models.Model):
    """A one-time, expiring link that lets its holder create an account with a role."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    application = models.ForeignKey(
        MembershipApplication,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.organization} ({self.role})"

    @property
    def role_label(self) -> str:
        return Role(self.role).label


class ExitKind(models.TextChoices):
    LEFT = "left", "Left the forum"
    REMOVED = "removed", "Removed by the forum"


class OrganizationExit(models.Model):
    """An organization's departure: why, decided by whom."""

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="exit")
    kind = models.CharField(max_length=16, choices=ExitKind.choices)
    reason = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.organization} {self.kind}"


class CharterAcceptance(models.Model):
    """A user's acceptance of one charter version."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="charter_acceptances"
    )
    charter = models.ForeignKey(ForumDocument, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(auto_now_add=True)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "charter"], name="one_acceptance_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted {self.charter}"
