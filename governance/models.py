"""Organizations, memberships, API tokens, the indicator-type catalog and policy versions."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from governance.roles import ROLE_ORG_KIND, OrgKind, Role


class Organization(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=OrgKind.choices)
    is_active = models.BooleanField(default=True)
    # Object permissions on shared indicators are granted to this group (django-guardian).
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="organization")
    created_at = models.DateTimeField(auto_now_add=True)
    # The longest lifetime its member admin may give an API token (the default is 90 days).
    api_token_max_days = models.PositiveIntegerField(default=365)
    # Every member must sign in with a second factor (counsel, regulators and member admins
    # always must: identity.core.rules).
    require_second_factor = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(api_token_max_days__gte=1, api_token_max_days__lte=3650),
                name="api_token_max_days_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_member(self) -> bool:
        return self.kind == OrgKind.MEMBER


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_role_per_org"),
        ]
        ordering = ["organization__name", "role"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organization}"

    def clean(self) -> None:
        expected = ROLE_ORG_KIND.get(self.role)
        if self.organization_id and expected and self.organization.kind != expected:
            raise ValidationError(
                {"role": f"The role {self.role} belongs to a {expected} organization."}
            )


class ApiToken(models.Model):
    """A machine credential of one user; only the SHA-256 of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # What the token may do (governance.core.token_rules.SCOPES), until when, and from where
    # (CIDR strings; empty means any address).
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField()
    allowed_networks = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and timezone.now() < self.expires_at

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class Sensitivity(models.TextChoices):
    TECHNICAL = "technical", "Technical"
    PERSONAL = "personal", "Personal"
    COMPETITIVE = "competitive", "Competitive"
    RESTRICTED = "restricted", "Restricted"


class IndicatorType(models.Model):
    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField()
    category = models.CharField(max_length=64)
    legitimate_interest = models.TextField()
    fields = models.JSONField()
    fields_hash = models.CharField(max_length=64)
    schema_version = models.PositiveIntegerField(default=1)
    stix_pattern = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Policy(models.Model):
    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.name


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"
    RETIRED = "retired", "Retired"


class PolicyVersion(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    rules = models.JSONField()
    content_hash = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    # schema_version of every indicator type the rules cover, frozen on submission.
    type_schema_versions = models.JSONField(default=dict)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
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
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_number"),
            models.CheckConstraint(
                condition=~models.Q(status__in=["approved", "superseded", "retired"])
                | (models.Q(effective_from__isnull=False) & ~models.Q(approved_hash="")),
                name="approved_version_has_hash_and_start",
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number} ({self.status})"


class OrgOverride(models.Model):
    """A member's stricter rules for its own submissions (same shape as `indicator_types`)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="override"
    )
    rules = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Override of {self.organization}"
