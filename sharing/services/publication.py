"""Publish approved submissions as shared indicators, scoped to their audience."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import send_mail, send_mass_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from guardian.shortcuts import assign_perm

from audit import actions
from audit.actors import Actor
from audit.services.log import audit_record
from config.errors import Conflict, ValidationFailed
from config.jobs import enqueue_on_commit
from config.links import absolute_url
from governance.core import policy_language
from governance.core.canonical import canonical_sha256
from governance.core.wording import label_text, with_article
from governance.roles import ROLE_CAPABILITIES, Capability
from sharing.core import lifecycle
from sharing.models import (
    MarkingAcknowledgement,
    SharedIndicator,
    Submission,
    SubmissionTransition,
)
from sharing.services.correlation import correlation_index_published

VIEW_PERMISSION = "sharing.view_sharedindicator"
# A fixed namespace so the STIX id of a submission's indicator is the same on every replay.
STIX_NAMESPACE = uuid.UUID("3f0c8d1e-6a43-5b8e-9d1c-2a7e64c1b9f0")


def stix_id_for(submission_id: uuid.UUID) -> str:
    """Return the deterministic STIX id of the indicator published from a submission."""
    return f"indicator--{uuid.uuid5(STIX_NAMESPACE, str(submission_id))}"


def _actor_name(actor) -> str:
    return actor.username if isinstance(actor, Actor) else actor.get_username()


def history_row(
    submission: Submission, actor, from_state: str, to_state: str, reason: str = ""
) -> dict:
    """Return the fields of the history row of `submission` moving from `from_state` to
    `to_state` (for `SubmissionTransition.objects.create` or a batch's bulk insert)."""
    return {
        "submission": submission,
        "from_state": from_state,
        "to_state": to_state,
        "actor_username": _actor_name(actor),
        "reason": reason,
    }


def record_transition(*, submission: Submission, target: str, actor, reason: str = "") -> str:
    """Move a locked submission to `target`, save it and keep the history row."""
    previous = submission.apply_transition(target)
    submission.save(update_fields=["state", "decided_at", "updated_at"])
    SubmissionTransition.objects.create(**history_row(submission, actor, previous, target, reason))
    return previous


def new_indicator(submission: Submission, now) -> SharedIndicator:
    """Return the unsaved shared indicator that publishes `submission`'s redacted form."""
    return SharedIndicator(
        submission=submission,
        indicator_type=submission.indicator_type,
        contributor=submission.organization,
        anonymized=submission.anonymize_contributor,
        redacted_payload=submission.redacted_payload,
        redacted_sha256=submission.redacted_sha256 or canonical_sha256(submission.redacted_payload),
        tlp=submission.tlp,
        pap=submission.pap,
        audience=list(submission.audience),
        policy_version=submission.policy_version,
        rule_path=submission.rule_path,
        detector_version=submission.detector_version,
        stix_id=stix_id_for(submission.pk),
        published_at=now,
        expires_at=(
            now + timedelta(days=submission.retention_days) if submission.retention_days else None
        ),
        modified_at=now,
    )


def reader_groups(submission: Submission):
    """Return the permission groups that may read `submission`'s indicator: its audience's
    active organizations and the contributor's."""
    return Group.objects.filter(
        organization__slug__in=[*submission.audience, submission.organization.slug],
        organization__is_active=True,
    )


def published_data(indicator: SharedIndicator, submission: Submission) -> dict:
    """Return the data of an `INDICATOR_PUBLISHED` audit event."""
    return {
        "submission_id": str(submission.pk),
        "stix_id": indicator.stix_id,
        "redacted_sha256": indicator.redacted_sha256,
        "tlp": indicator.tlp,
        "pap": indicator.pap,
        "audience": sorted(indicator.audience),
        "anonymized": indicator.anonymized,
        "policy_version": submission.policy_version.number if submission.policy_version else None,
        "rule_path": submission.rule_path,
    }


def enqueue_recipient_notifications(indicator_ids: list[str]) -> None:
    """Email the audiences of newly published indicators once the transaction commits: one
    email per indicator for a single publication, one digest per recipient for a batch."""
    if len(indicator_ids) == 1:
        enqueue_on_commit("sharing.tasks.notify_recipients_task", indicator_id=indicator_ids[0])
    elif indicator_ids:
        enqueue_on_commit(
            "sharing.tasks.notify_recipients_batch_task", indicator_ids=list(indicator_ids)
        )


@transaction.atomic
def indicator_publish(*, actor, submission: Submission) -> SharedIndicator:
    """Publish an approved submission's redacted form to its audience and its contributor."""
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("organization", "indicator_type", "policy_version")
        .get(pk=submission.pk)
    )
    existing = SharedIndicator.objects.filter(submission=submission).first()
    if existing is not None:
        return existing
    if submission.state != lifecycle.APPROVED:
        raise Conflict(
            f"Only an approved submission can be published (this one is {submission.state})."
        )
    now = timezone.now()
    record_transition(submission=submission, target=lifecycle.PUBLISHED, actor=actor)
    indicator = new_indicator(submission, now)
    indicator.save(force_insert=True)
    assign_perm(VIEW_PERMISSION, reader_groups(submission), indicator)
    correlation_index_published([indicator])
    enqueue_recipient_notifications([str(indicator.pk)])
    audit_record(
        actor=actor,
        action=actions.INDICATOR_PUBLISHED,
        obj=indicator,
        organization=submission.organization,
        data=published_data(indicator, submission),
    )
    return indicator


# --- markings -----------------------------------------------------------------------------


def indicator_markings(indicator: SharedIndicator) -> list[str]:
    """Return the TLP and PAP markings a reader must have acknowledged to read `indicator`."""
    return [f"TLP:{indicator.tlp}", f"PAP:{indicator.pap}"]


KNOWN_MARKINGS = frozenset(
    [f"TLP:{v}" for v in policy_language.TLP_ORDER]
    + [f"PAP:{v}" for v in policy_language.PAP_ORDER]
)

MARKING_TERMS = {
    "TLP:CLEAR": "Disclosure is not limited.",
    "TLP:GREEN": "Share within your community, not publicly.",
    "TLP:AMBER": "Share only within your organization and its clients on a need-to-know basis.",
    "TLP:AMBER+STRICT": "Share only within your organization, on a need-to-know basis.",
    "TLP:RED": "For the named recipients only; do not share further.",
    "PAP:CLEAR": "Any action, including public disclosure, is allowed.",
    "PAP:GREEN": "Active actions against the infrastructure are allowed.",
    "PAP:AMBER": "Passive cross-checks only; no action the adversary could detect.",
    "PAP:RED": "Non-detectable actions only; do not query or block from your network.",
}


@transaction.atomic
def marking_acknowledge(*, actor, marking: str) -> MarkingAcknowledgement:
    """Record once that `actor` accepts the handling terms of `marking`."""
    marking = (marking or "").strip().upper()
    if marking not in KNOWN_MARKINGS:
        raise ValidationFailed(
            f"Unknown marking {marking!r}.",
            errors=[{"field": "marking", "message": "Give a TLP:… or PAP:… marking."}],
        )
    acknowledgement, created = MarkingAcknowledgement.objects.get_or_create(
        user=actor, marking=marking
    )
    if created:
        audit_record(
            actor=actor,
            action=actions.MARKING_ACKNOWLEDGED,
            obj=acknowledgement,
            data={"marking": marking, "terms_sha256": _sha(MARKING_TERMS[marking])},
        )
    return acknowledgement


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- notifications (run after commit, by Celery) ----------------------------------------


# States a submitter is told about.
NOTIFIED_STATES = (
    lifecycle.APPROVED,
    lifecycle.REJECTED,
    lifecycle.CHANGES_REQUESTED,
    lifecycle.PUBLISHED,
)


def notify_submitter(*, submission_id: str, state: str) -> int:
    """Email the submitter the decision on their submission, once per state; return the count.

    The conditional update claims the notification, so a retried or duplicated task sends
    nothing twice; a failed send gives the claim back for the catch-up job.
    """
    submission = (
        Submission.objects.select_related("submitted_by", "indicator_type")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or not submission.submitted_by.email:
        return 0
    claimed = (
        Submission.objects.filter(pk=submission.pk)
        .exclude(notified_state=state)
        .update(notified_state=state)
    )
    if not claimed:
        return 0
    try:
        return _send_submitter_mail(submission, state)
    except Exception:
        Submission.objects.filter(pk=submission.pk, notified_state=state).update(
            notified_state=submission.notified_state
        )
        raise


def _send_submitter_mail(submission: Submission, state: str) -> int:
    reason = (
        submission.history.filter(to_state=state)
        .order_by("-at", "-id")
        .values_list("reason", flat=True)
        .first()
        or ""
    )
    body = (
        f"Your {submission.indicator_type.name} submission {submission.pk} is now "
        f"{label_text(state).lower()}."
        + (f"\n\nReason: {reason}" if reason else "")
        + f"\n\nOpen it: {absolute_url('submission-detail', submission.pk)}\n"
    )
    return send_mail(
        subject=f"[{settings.CLEARROOM_FORUM_NAME}] Submission {label_text(state).lower()}",
        message=body,
        from_email=None,
        recipient_list=[submission.submitted_by.email],
    )


# From a user to the object permissions of their organizations' groups.
_GRANT = "memberships__organization__group__sharedindicatorgroupobjectpermission__"


def _readers(indicator_ids: list):
    """Return the active users with an email, in an active organization and a role that reads
    the feed, whose organization was granted the view permission on one of `indicator_ids`.

    One `filter()`, so the membership with the role is the one whose group holds the grant.
    """
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organization__is_active=True,
            memberships__role__in=[
                role for role, caps in ROLE_CAPABILITIES.items() if Capability.READ_FEED in caps
            ],
            **{
                f"{_GRANT}content_object__in": indicator_ids,
                f"{_GRANT}permission__codename": VIEW_PERMISSION.split(".")[1],
            },
        )
        .exclude(email="")
    )


def indicator_recipients(indicator: SharedIndicator) -> list[str]:
    """Return the email addresses of the members permitted to read `indicator`.

    The audience is read from the object-permission table itself, so a notification reaches
    exactly the organizations the publication granted.
    """
    return sorted(set(_readers([indicator.pk]).values_list("email", flat=True)))


def notify_recipients(*, indicator_id: str) -> int:
    """Email the audience that an indicator was published (no payload in the email), once."""
    indicator = (
        SharedIndicator.objects.select_related("indicator_type").filter(pk=indicator_id).first()
    )
    if indicator is None or indicator.withdrawn_at is not None:
        return 0
    claimed = SharedIndicator.objects.filter(
        pk=indicator.pk, recipients_notified_at__isnull=True
    ).update(recipients_notified_at=timezone.now())
    if not claimed:
        return 0
    try:
        return _send_recipient_mail(indicator)
    except Exception:
        SharedIndicator.objects.filter(pk=indicator.pk).update(recipients_notified_at=None)
        raise


def notify_recipients_batch(*, indicator_ids: list[str]) -> int:
    """Email each member of the audiences of a batch of indicators one digest, once.

    The indicators not yet notified are claimed through the outbox column, so a retry or the
    catch-up never sends twice; recipients are read from the object permissions, as for
    a single indicator. Return the number of emails sent.
    """
    with transaction.atomic():
        # Lock what is still unsent and mark it in one transaction: a concurrent run (a retry,
        # the catch-up) skips the rows locked here and, once this commits, no longer sees them.
        claimed = list(
            SharedIndicator.objects.select_for_update(skip_locked=True)
            .filter(
                pk__in=indicator_ids, recipients_notified_at__isnull=True, withdrawn_at__isnull=True
            )
            .values_list("pk", flat=True)
        )
        SharedIndicator.objects.filter(pk__in=claimed).update(recipients_notified_at=timezone.now())
    if not claimed:
        return 0
    try:
        return _send_digests(claimed)
    except Exception:
        SharedIndicator.objects.filter(pk__in=claimed).update(recipients_notified_at=None)
        raise


def _send_digests(indicator_ids: list) -> int:
    readers = _readers(indicator_ids).values_list("email", f"{_GRANT}content_object")
    by_address: dict[str, set] = {}
    for address, indicator_id in readers:
        by_address.setdefault(address, set()).add(indicator_id)
    indicators = {
        i.pk: i
        for i in SharedIndicator.objects.filter(pk__in=indicator_ids).select_related(
            "indicator_type"
        )
    }
    messages = []
    for address in sorted(by_address):
        mine = sorted((indicators[pk] for pk in by_address[address]), key=lambda i: i.stix_id)
        lines = [f"- {i.indicator_type.name}, TLP:{i.tlp} PAP:{i.pap} ({i.stix_id})" for i in mine]
        messages.append(
            (
                f"[{settings.CLEARROOM_FORUM_NAME}] {len(mine)} new indicators",
                f"{len(mine)} indicators were published to your organization:\n"
                + "\n".join(lines)
                + f"\n\nRead them: {absolute_url('indicator-list')}\n",
                None,
                [address],
            )
        )
    return send_mass_mail(messages)


def notifications_catch_up(*, at=None, grace_minutes: int = 2) -> int:
    """Send the notifications a broker outage left unsent; return how many were sent.

    Runs on a schedule. Anything older than the grace period and not yet notified is sent now;
    the claims in notify_* make a run that overlaps the normal path harmless.
    """
    cutoff = (at or timezone.now()) - timedelta(minutes=grace_minutes)
    sent = 0
    for pk in SharedIndicator.objects.filter(
        recipients_notified_at__isnull=True, withdrawn_at__isnull=True, published_at__lt=cutoff
    ).values_list("pk", flat=True):
        sent += notify_recipients(indicator_id=str(pk))
    pending = (
        Submission.objects.filter(state__in=NOTIFIED_STATES, updated_at__lt=cutoff)
        .exclude(notified_state=F("state"))
        .values_list("pk", "state")
    )
    for pk, state in pending:
        sent += notify_submitter(submission_id=str(pk), state=state)
    return sent


def _send_recipient_mail(indicator: SharedIndicator) -> int:
    recipients = indicator_recipients(indicator)
    if not recipients:
        return 0
    messages = [
        (
            f"[{settings.CLEARROOM_FORUM_NAME}] New {indicator.indicator_type.name} indicator",
            f"{with_article(indicator.indicator_type.name, capital=True)} indicator marked "
            f"TLP:{indicator.tlp} PAP:{indicator.pap} was published to your organization "
            f"({indicator.stix_id}).\n\n"
            f"Read it: {absolute_url('indicator-detail', indicator.pk)}\n",
            None,
            [address],
        )
        for address in recipients
    ]
    return send_mass_mail(messages)


@transaction.atomic
def indicators_export_record(*, actor, stix_ids: list[str], filters: dict) -> None:
    """Record that `actor` exported these published indicators as a STIX bundle."""
    audit_record(
        actor=actor,
        action=actions.INDICATORS_EXPORTED,
        data={
            "count": len(stix_ids),
            "stix_ids_sha256": hashlib.sha256("\n".join(sorted(stix_ids)).encode()).hexdigest(),
            "filters": {key: str(value) for key, value in sorted(filters.items())},
        },
    )
