"""A user's acceptance of the antitrust charter in force, audited."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from audit import actions
from audit.services.log import audit_record
from config.errors import Conflict
from membership.models import CharterAcceptance, DocumentStatus, ForumDocument


@transaction.atomic
def charter_accept(*, actor, charter: ForumDocument) -> CharterAcceptance:
    """Record that `actor` accepts `charter` (the version in force); idempotent."""
    charter = ForumDocument.objects.select_for_update().get(pk=charter.pk)
    if charter.kind != "charter" or charter.status != DocumentStatus.APPROVED:
        raise Conflict("This charter version is not in force; read and accept the current one.")
    existing = CharterAcceptance.objects.filter(user=actor, charter=charter).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            acceptance = CharterAcceptance.objects.create(
                user=actor, charter=charter, content_hash=charter.approved_hash
            )
    except IntegrityError:  # the same user accepting twice at once (two tabs)
        return CharterAcceptance.objects.get(user=actor, charter=charter)
    audit_record(
        actor=actor,
        action=actions.CHARTER_ACCEPTED,
        obj=charter,
        data={"number": charter.number, "approved_hash": charter.approved_hash},
    )
    return acceptance
