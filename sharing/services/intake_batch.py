"""Intake of many objects at once (a TAXII envelope): `submission_create` for each, set-based.

Every object goes through the same checks, policy, scanning and redaction as
`submission_create`, and leaves the same rows and the same audit events in the same order; what
is the same for the whole batch (indicator types, effective rules, watchlist, members, review
queues, reader groups) is looked up once, rows are written with one insert per table, and the
audit events are appended under one lock of the head, after every other row, so the head is
held only for the append and the commit.

A bad object is reported in its result and writes nothing; the others go on. When a concurrent
request takes one of the batch's client references between the check and the insert, the whole
batch is rolled back and each object is taken again through `submission_create` in its own
transaction, which resolves such races one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import actions
from audit.actors import SYSTEM
from audit.services import AuditSpec, audit_record_many
from config.bulk import bulk_insert
from config.errors import ApplicationError
from governance.models import IndicatorType, Organization
from governance.permissions import require
from governance.roles import Capability
from governance.selectors import effective_rule, member_org_slugs
from sharing import lifecycle
from sharing.models import (
    ReviewTask,
    SharedIndicator,
    SharedIndicatorGroupObjectPermission,
    Submission,
    SubmissionTransition,
)
from sharing.services import intake, publication, review
from sharing.services.correlation import correlation_index_published
from sharing.services.watchlist import watchlist_for


@dataclass(frozen=True)
class IntakeItem:
    """One object of a batch: the arguments of `submission_create` that vary per object."""

    indicator_type: IndicatorType | str
    payload: Any
    client_reference: str | None = None


@dataclass
class IntakeResult:
    """The submission an object became (or already was), or the error that refused it."""

    submission: Submission | None = None
    error: ApplicationError | None = None


class _Lookups:
    """What is the same for every object of one organization's batch, looked up once."""

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self.types = {t.key: t for t in IndicatorType.objects.filter(is_active=True)}
        self.watchlist = watchlist_for(organization=organization)
        self.members = list(member_org_slugs())
        self._rules: dict[int, tuple] = {}
        self._queues: dict[tuple[str, int], Any] = {}
        self._groups: dict[tuple[str, ...], list] = {}

    def indicator_type(self, wanted: IndicatorType | str) -> IndicatorType:
        if isinstance(wanted, str) and wanted in self.types:
            return self.types[wanted]
        return intake.resolve_type(wanted)  # an instance as it is, else its refusal

    def rule(self, itype: IndicatorType) -> tuple:
        if itype.pk not in self._rules:
            self._rules[itype.pk] = effective_rule(
                organization=self.organization, indicator_type=itype
            )
        return self._rules[itype.pk]

    def queue(self, stage: str, organization: Organization):
        key = (stage, organization.pk)
        if key not in self._queues:
            self._queues[key] = review.review_queue_for(stage=stage, organization=organization)
        return self._queues[key]

    def reader_groups(self, submission: Submission) -> list:
        key = tuple(sorted(submission.audience))
        if key not in self._groups:
            self._groups[key] = list(publication.reader_groups(submission))
        return self._groups[key]


def submission_create_many(
    *, actor, organization: Organization, items: list[IntakeItem], source: str
) -> list[IntakeResult]:
    """Take every item as `submission_create` would; return one result per item, in order."""
    require(actor, Capability.SUBMIT, organization)
    intake.check_source(source)
    try:
        with transaction.atomic():
            return _create_many(actor, organization, items, source)
    except IntegrityError:
        return [_create_one(actor, organization, item, source) for item in items]


def _create_one(actor, organization: Organization, item: IntakeItem, source: str) -> IntakeResult:
    try:
        submission = intake.submission_create(
            actor=actor,
            organization=organization,
            indicator_type=item.indicator_type,
            payload=item.payload,
            source=source,
            client_reference=item.client_reference,
        )
    except ApplicationError as error:
        return IntakeResult(error=error)
    return IntakeResult(submission=submission)


class _Writes:
    """The rows and audit events of a batch, collected in the order the single path writes."""

    def __init__(self, actor, lookups: _Lookups, source: str) -> None:
        self.actor = actor
        self.lookups = lookups
        self.source = source
        self.now = timezone.now()
        self.submissions: list[Submission] = []
        self.history: list[SubmissionTransition] = []
        self.tasks: list[ReviewTask] = []
        self.indicators: list[SharedIndicator] = []
        self.events: list[AuditSpec] = []

    def _move(self, submission: Submission, target: str, actor, reason: str = "") -> None:
        previous = submission.apply_transition(target)
        self.history.append(
            SubmissionTransition(
                **publication.history_row(submission, actor, previous, target, reason)
            )
        )

    def _event(self, actor, action: str, obj, data: dict) -> None:
        organization = self.lookups.organization
        self.events.append(AuditSpec(actor, action, obj, data, organization))

    def refused(self, submission: Submission, reason: str) -> None:
        submission.refusal_reason = reason
        self._move(submission, lifecycle.REFUSED, self.actor, reason)
        self.submissions.append(submission)
        self._event(
            self.actor,
            actions.SUBMISSION_REFUSED,
            submission,
            intake.refused_data(submission, self.source),
        )

    def accepted(self, submission: Submission, rule) -> None:
        stages = review.review_stages_for(submission)
        # The queues first: a stage nobody can review refuses the object (Conflict) before any
        # of its rows or events is kept, as the single path's transaction would roll back.
        tasks = review.new_review_tasks(submission, stages, self.now, self.lookups.queue)
        self.submissions.append(submission)
        self.history.append(
            SubmissionTransition(
                **publication.history_row(submission, self.actor, "", lifecycle.SUBMITTED)
            )
        )
        self._event(
            self.actor,
            actions.SUBMISSION_CREATED,
            submission,
            intake.created_data(submission, rule, self.source),
        )
        self._move(submission, lifecycle.IN_REVIEW, SYSTEM, review.review_hold_reason(submission))
        self._event(
            SYSTEM,
            actions.SUBMISSION_IN_REVIEW,
            submission,
            review.in_review_data(submission, stages),
        )
        if stages:
            self.tasks += tasks
            return
        submission.decided_at = self.now
        self._move(submission, lifecycle.APPROVED, SYSTEM, review.auto_publish_reason(submission))
        self._event(
            SYSTEM,
            actions.SUBMISSION_APPROVED,
            submission,
            review.auto_approved_data(submission),
        )
        self._move(submission, lifecycle.PUBLISHED, SYSTEM)
        indicator = publication.new_indicator(submission, self.now)
        self.indicators.append(indicator)
        self._event(
            SYSTEM,
            actions.INDICATOR_PUBLISHED,
            indicator,
            publication.published_data(indicator, submission),
        )

    def save(self) -> None:
        bulk_insert(Submission, self.submissions)
        bulk_insert(SubmissionTransition, self.history)
        bulk_insert(ReviewTask, self.tasks)
        if self.indicators:
            bulk_insert(SharedIndicator, self.indicators)
            app_label, codename = publication.VIEW_PERMISSION.split(".")
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            bulk_insert(
                SharedIndicatorGroupObjectPermission,
                [
                    SharedIndicatorGroupObjectPermission(
                        permission=permission, group=group, content_object=indicator
                    )
                    for indicator in self.indicators
                    for group in self.lookups.reader_groups(indicator.submission)
                ],
            )
            correlation_index_published(self.indicators)
            publication.enqueue_recipient_notifications([str(i.pk) for i in self.indicators])
        # Last, so the head is locked only for the append and the commit.
        audit_record_many(self.events)


def _taken_references(organization: Organization, items: list[IntakeItem]) -> dict:
    """Return the organization's submissions by the client references the batch uses."""
    references = [i.client_reference for i in items if isinstance(i.client_reference, str)]
    return {
        s.client_reference: s
        for s in Submission.objects.filter(
            organization=organization, client_reference__in=references
        )
    }


def _create_many(
    actor, organization: Organization, items: list[IntakeItem], source: str
) -> list[IntakeResult]:
    lookups = _Lookups(organization)
    writes = _Writes(actor, lookups, source)
    results = [IntakeResult() for _ in items]
    taken = _taken_references(organization, items)
    for result, item in zip(results, items, strict=True):
        try:
            reference = intake.check_client_reference(item.client_reference)
            intake.check_limits(item.payload)
            if reference is not None and reference in taken:
                # Already submitted, earlier or by an object before this one in the batch.
                result.submission = taken[reference]
                continue
            itype = lookups.indicator_type(item.indicator_type)
            intake.check_schema(itype, item.payload)
            rule, reason = lookups.rule(itype)
            submission = intake.new_submission(
                actor, organization, itype, item.payload, source, reference
            )
            if rule is None:
                writes.refused(submission, reason)
            else:
                outcome = intake.apply_policy(
                    organization=organization,
                    indicator_type=itype,
                    payload=item.payload,
                    rule=rule,
                    watchlist=lookups.watchlist,
                    members=lookups.members,
                )
                intake.apply_rule_fields(submission, rule, outcome)
                writes.accepted(submission, rule)
        except ApplicationError as error:
            result.error = error
            continue
        result.submission = submission
        if reference is not None:
            taken[reference] = submission
    writes.save()
    return results
