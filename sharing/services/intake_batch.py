"""Intake of many objects at once (a TAXII envelope): `submission_create` for each, set-based.

Every object goes through the same checks and is planned by the same `intake.submission_plan`
as `submission_create`; only the writer differs. What is the same for the whole batch
(indicator types, effective rules, watchlist, members, review queues, reader groups) is looked
up once, and `intake_write.plans_write` inserts each table with one statement and appends the
audit events under one lock of the head, after every other row, so the head is held only for
the append and the commit.

A bad object is reported in its result and writes nothing; the others go on. When a concurrent
request takes one of the batch's client references between the check and the insert, the whole
batch is rolled back and each object is taken again through `submission_create` in its own
transaction, which resolves such races one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ApplicationError
from config.jobs import enqueue_on_commit
from governance.models import IndicatorType, Organization
from governance.permissions import require
from governance.roles import Capability
from governance.selectors.policy import effective_rule, member_org_slugs
from sharing.models import Submission
from sharing.services import intake, publication, review
from sharing.services.intake_plan import IntakePlan
from sharing.services.intake_write import plans_write
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
            results = _create_many(actor, organization, items, source)
            _refresh_statistics_after(len(items))
            return results
    except IntegrityError:
        return [_create_one(actor, organization, item, source) for item in items]


# A batch this large can leave the planner statistics of the tables it fills stale (with
# autovacuum off or not yet run, every feed page sorted the whole collection: see
# config/planner_statistics.py); at most one refresh is queued a minute.
STATISTICS_BATCH = 100
STATISTICS_INTERVAL_S = 60


def _refresh_statistics_after(count: int) -> None:
    if count >= STATISTICS_BATCH and cache.add(
        "sharing:planner-statistics-queued", True, STATISTICS_INTERVAL_S
    ):
        enqueue_on_commit("sharing.tasks.planner_statistics_refresh_task")


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
    now = timezone.now()
    plans: list[IntakePlan] = []
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
            plan = intake.submission_plan(
                actor=actor,
                organization=organization,
                itype=itype,
                payload=item.payload,
                source=source,
                client_reference=reference,
                rule=rule,
                reason=reason,
                now=now,
                queue_for=lookups.queue,
                watchlist=lookups.watchlist,
                members=lookups.members,
            )
        except ApplicationError as error:
            result.error = error
            continue
        plans.append(plan)
        result.submission = plan.submission
        if reference is not None:
            taken[reference] = plan.submission
    plans_write(plans, reader_groups=lookups.reader_groups)
    return results
