"""Submissions, review queues and tasks, published indicators and their permissions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from governance.models import IndicatorType, Organization, PolicyVersion
from sharing.core import lifecycle


class Source(models.TextChoices):
    UI = "ui", "Web form"
    API = "api", "REST API"
    TAXII = "taxii", "TAXII"


class _StateDescriptor:
    """Refuse direct assignment of a loaded state; transitions go through the lifecycle."""

    def __init__(self, field: models.Field) -> None:
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        name = self.field.attname
        if name not in instance.__dict__:
            instance.refresh_from_db(fields=[name])
        return instance.__dict__[name]

    def __set__(self, instance, value) -> None:
        name = self.field.attname
        current = instance.__dict__.get(name, _UNSET)
        if (
            current is not _UNSET
            and current != value
            and not instance.__dict__.get("_state_write_allowed", False)
        ):
            raise AttributeError(
                f"{type(instance).__name__}.{name} changes only through apply_transition()"
            )
        instance.__dict__[name] = value


_UNSET = object()


class StateField(models.CharField):
    """A CharField whose value, once loaded, cannot be assigned directly."""

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        setattr(cls, self.attname, _StateDescriptor(self))


class Submission(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="submissions"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    indicator_type = models.ForeignKey(
        IndicatorType, on_delete=models.PROTECT, related_name="submissions"
    )
    schema_version = models.PositiveIntegerField()
    # The original is purged a configurable time after the decision; its hash stays.
    payload = models.JSONField(null=True, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    redacted_payload = models.JSONField(default=dict)
    redacted_sha256 = models.CharField(max_length=64, blank=True)
    redaction_report = models.JSONField(default=list)
    flags = models.JSONField(default=list)
    # `sharing.core.scanning.DETECTOR_VERSION` of the scanner that read the payload at intake.
    detector_version = models.CharField(max_length=40, blank=True)
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    policy_content_hash = models.CharField(max_length=64, blank=True)
    rule_path = models.CharField(max_length=200, blank=True)
    rule = models.JSONField(default=dict)  # the effective rule applied (with the org override)
    tlp = models.CharField(max_length=16, blank=True)
    pap = models.CharField(max_length=16, blank=True)
    audience = models.JSONField(default=list)  # org slugs the indicator is published to
    anonymize_contributor = models.BooleanField(default=False)
    retention_days = models.PositiveIntegerField(null=True, blank=True)
    review_stages = models.JSONField(default=list)
    state = StateField(max_length=20, choices=lifecycle.STATES, default=lifecycle.SUBMITTED)
    refusal_reason = models.TextField(blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    client_reference = models.CharField(max_length=200, null=True, blank=True)
    review_round = models.PositiveIntegerField(default=1)
    legal_hold = models.BooleanField(default=False)
    # The last state the submitter was emailed about (see notify_submitter).
    notified_state = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    original_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client_reference"],
                condition=models.Q(client_reference__isnull=False),
                name="submission_client_reference_per_org",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=[s for s, _ in lifecycle.STATES]),
                name="submission_state_known",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["state", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_type.key} from {self.organization.slug} ({self.state})"

    def refresh_from_db(self, *args, **kwargs):
        self.__dict__["_state_write_allowed"] = True
        try:
            super().refresh_from_db(*args, **kwargs)
        finally:
            self.__dict__["_state_write_allowed"] = False

    def apply_transition(self, target: str) -> str:
        """Move to `target` in memory if the lifecycle allows it; return the previous state.

        Only services call this, on a row they locked, and then save the row.
        """
        previous = self.state
        lifecycle.check_transition(previous, target)
        self.__dict__["_state_write_allowed"] = True
        try:
            self.state = target
        finally:
            self.__dict__["_state_write_allowed"] = False
        return previous


class SubmissionTransition(models.Model):
    """The state history of a submission, shown to its organization (the audit log has it too)."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="history")
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    actor_username = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} -> {self.to_state}"


class WatchlistTerm(models.Model):
    """One term of a member's private watchlist, kept only as a keyed hash."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="watchlist_terms"
    )
    term_hash = models.CharField(max_length=64)
    category = models.CharField(max_length=16, default="customer")
    key_id = models.CharField(max_length=64)
    # Null when the system added it (`manage.py add_watchlist_term`).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "term_hash"], name="watchlist_term_once_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"watchlist term {self.term_hash[:8]}… of {self.organization.slug}"


class Stage(models.TextChoices):
    ORIGIN = "origin", "Origin legal review"
    FORUM = "forum", "Forum counsel review"


class ReviewQueue(models.Model):
    key = models.SlugField(max_length=80, unique=True)
    stage = models.CharField(max_length=8, choices=Stage.choices)
    # Origin queues belong to one member org; the forum queue to the secretariat.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="review_queues"
    )
    eligible_role = models.CharField(max_length=32)
    sla_hours = models.PositiveIntegerField(default=48)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class TaskState(models.TextChoices):
    WAITING = "waiting", "Waiting for an earlier stage"
    OPEN = "open", "Open"
    CLAIMED = "claimed", "Claimed"
    DECIDED = "decided", "Decided"
    CANCELLED = "cancelled", "Cancelled"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    REQUEST_CHANGES = "request_changes", "Request changes"


class ReviewTask(models.Model):
    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="review_tasks"
    )
    queue = models.ForeignKey(ReviewQueue, on_delete=models.PROTECT, related_name="tasks")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    position = models.PositiveSmallIntegerField()
    round = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=10, choices=TaskState.choices, default=TaskState.WAITING)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    reason = models.TextField(blank=True)
    extra_redactions = models.JSONField(default=dict)
    redacted_sha256 = models.CharField(max_length=64, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "round", "stage"], name="one_task_per_stage_per_round"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="claimed") | models.Q(assignee__isnull=False),
                name="claimed_task_has_assignee",
            ),
        ]
        indexes = [
            models.Index(fields=["queue", "state", "due_at"]),
            # The review queue's order: a page is an index range, not a sort of every task.
            models.Index(
                fields=["due_at", "id"],
                name="review_task_active_due",
                condition=models.Q(state__in=["open", "claimed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage} review of {self.submission_id} ({self.state})"


class SharedIndicator(models.Model):
    """A published indicator: only the redacted payload, its markings and audience."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission = models.OneToOneField(
        Submission, on_delete=models.PROTECT, related_name="shared_indicator"
    )
    indicator_type = models.ForeignKey(IndicatorType, on_delete=models.PROTECT, related_name="+")
    contributor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    anonymized = models.BooleanField(default=False)
    redacted_payload = models.JSONField()
    redacted_sha256 = models.CharField(max_length=64)
    tlp = models.CharField(max_length=16)
    pap = models.CharField(max_length=16)
    audience = models.JSONField(default=list)
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    rule_path = models.CharField(max_length=200)
    stix_id = models.CharField(max_length=80, unique=True)
    published_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    recall_reason = models.TextField(blank=True)
    # The detector version the published payload was last scanned with, and what a rescan by a
    # newer one found in it ({field, index?, start, end, category, rule, explanation}).
    detector_version = models.CharField(max_length=40, blank=True)
    recall_flags = models.JSONField(default=list)
    modified_at = models.DateTimeField()
    # Set once the audience has been emailed; a scheduled catch-up sends what a broker
    # outage left unsent.
    recipients_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["published_at", "id"]),
            models.Index(fields=["modified_at", "id"]),
            models.Index(fields=["indicator_type", "published_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_type.key} {self.stix_id}"


# django-guardian with direct foreign keys (no generic relation scans on every read).
class SharedIndicatorUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(SharedIndicator, on_delete=models.CASCADE)


class SharedIndicatorGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(SharedIndicator, on_delete=models.CASCADE)


class MarkingAcknowledgement(models.Model):
    """A recipient accepted the handling terms of one TLP/PAP marking."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    marking = models.CharField(max_length=32)  # e.g. "TLP:AMBER" or "PAP:GREEN"
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "marking"], name="acknowledge_marking_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.marking}"


class TaxiiStatus(models.Model):
    """The status resource of one TAXII envelope POST: per-object outcomes of its intake."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPLETE = "complete", "Complete"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    total_count = models.PositiveIntegerField()
    successes = models.JSONField(default=list)
    failures = models.JSONField(default=list)
    pendings = models.JSONField(default=list)
    # The posted objects still to process, kept with the status so any worker can take it up
    # again after a crash; emptied once it is complete.
    batch = models.JSONField(default=list)
    request_timestamp = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # How many times processing started (in the request, by a task or by the sweep), and when
    # it last did (or the status was received): a pending status idle longer than the bound,
    # held by no runner, is taken up again by the sweep.
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-request_timestamp"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "complete"]),
                name="taxii_status_state_known",
            )
        ]
        indexes = [
            models.Index(
                fields=["request_timestamp"],
                condition=models.Q(state="pending"),
                name="taxii_status_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"TAXII status {self.id} ({self.state})"


class CorrelationToken(models.Model):
    """A pseudonym found in a published indicator, indexed for correlation.

    `token` is the value as published; `canonical` is the same pseudonym under the newest key it
    could be carried to (re-pseudonymised from the original, or through a key-rotation mapping),
    so indicators published under different key ids still link.
    """

    indicator = models.ForeignKey(
        SharedIndicator, on_delete=models.CASCADE, related_name="correlation_tokens"
    )
    field = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    token = models.CharField(max_length=200)
    canonical = models.CharField(max_length=200)

    class Meta:
        ordering = ["indicator_id", "field", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "field", "position"], name="correlation_token_once_per_slot"
            )
        ]
        indexes = [models.Index(fields=["canonical"])]

    def __str__(self) -> str:
        return f"{self.field}[{self.position}] of {self.indicator_id}"


class PseudonymMapping(models.Model):
    """Old token -> new token, kept from a key rotation so purged originals still correlate."""

    old_token = models.CharField(max_length=200, unique=True)
    new_token = models.CharField(max_length=200)
    key_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.old_token[:16]}… -> {self.key_id}"


class Statistic(models.Model):
    """One compilation of a safety-zone statistic: its published values or why it is withheld."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        WITHHELD = "withheld", "Withheld"

    name = models.CharField(max_length=80)
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    values = models.JSONField(default=dict)  # empty unless published
    reasons = models.JSONField(default=list)  # [{condition, message}], shown to counsel only
    data_count = models.PositiveIntegerField(default=0)
    contributor_count = models.PositiveIntegerField(default=0)
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    compiled_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "-compiled_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["published", "withheld"]),
                name="statistic_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status="published") | models.Q(values={}),
                name="withheld_statistic_has_no_values",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="statistic_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["name", "-compiled_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.status}, {self.compiled_at:%Y-%m-%d})"
