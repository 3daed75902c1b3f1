"""Clearroom's side of the suite, run in the runner's process on the bench database.

- `setup()`: migrate a fresh database, seed the demo organizations, users, catalog and approved
  baseline policy (the same `seed_demo` a deployment starts from), then create the bench's
  machine users and API tokens through the services.
- `load_published()`: the bulk loader of the read test. It writes, with one `COPY` a table, exactly
  the rows `indicator_publish` leaves behind for a reader: the published `Submission`, its
  `SharedIndicator` (same STIX id derivation, markings, audience, expiry) and one guardian
  group permission per organization of the audience and the contributor. It skips what no read
  touches (state-history rows and audit events), so it loads 100,000 objects in seconds instead
  of the hours the real pipeline would take; reads still go through the real TAXII HTTP path.
- `load_open_tasks()`: the same shortcut for the review queue: submissions in review with one
  open origin task each, as `review_start` leaves them.
- `raw_insert()`: the physical limit: the rows intake + `review_start` write per submission
  (submission, two state-history rows, review task, two audit events with valid chained
  leaves, the head update), inserted with raw psycopg `COPY` in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from datetime import timedelta

SUBMITTER = "bench-submitter"
READER = "bench-reader"
# The reader's password, for the HTTP Basic page reads (hashed with the default PBKDF2 hasher).
READER_PASSWORD = "bench-reader-passphrase-2026"
REVIEWER_PREFIX = "bench-legal-"
MEMBER = "northwind"
READER_ORG = "halcyon"


def setup(database_url: str, var_dir: str) -> None:
    """Point Django at the bench database, migrate and seed it."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["CLEARROOM_VAR_DIR"] = var_dir
    os.environ["CLEARROOM_GENERATE_SECRETS"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from audit import keys
    from governance import demo
    from sharing.keys import pseudonym_key, watchlist_key

    # Create the forum's keys now: the servers run with CLEARROOM_GENERATE_SECRETS off (the
    # OPRF key's shares, and the HMAC key watchlist hashes derive from).
    pseudonym_key().token("warm-up")
    watchlist_key()
    keys.signing_key()
    demo.seed()


def _member(username: str, org_slug: str, role: str, password: str | None = None):
    from django.contrib.auth import get_user_model

    from audit.actors import SYSTEM
    from governance.models import Organization
    from governance.services.accounts import membership_create

    user = get_user_model().objects.create_user(username=username, password=password)
    membership_create(
        actor=SYSTEM, user=user, organization=Organization.objects.get(slug=org_slug), role=role
    )
    return user


def _token(user, org_slug: str) -> str:
    from django.contrib.auth import get_user_model

    from governance.models import Organization
    from governance.services.accounts import api_token_create

    admin = get_user_model().objects.get(username=f"{org_slug}-admin")
    _, secret = api_token_create(
        actor=admin, user=user, organization=Organization.objects.get(slug=org_slug), name="bench"
    )
    return secret


def create_clients(reviewers: int) -> dict:
    """Create the bench's machine users; return their API tokens."""
    from governance.roles import Role
    from sharing.services.publication import marking_acknowledge

    submitter = _member(SUBMITTER, MEMBER, Role.ANALYST)
    reader = _member(READER, READER_ORG, Role.ANALYST, password=READER_PASSWORD)
    for marking in ("TLP:AMBER", "TLP:AMBER+STRICT", "PAP:GREEN", "PAP:AMBER"):
        marking_acknowledge(actor=reader, marking=marking)
    reviewer_tokens = [
        _token(_member(f"{REVIEWER_PREFIX}{n}", MEMBER, Role.LEGAL_REVIEWER), MEMBER)
        for n in range(reviewers)
    ]
    return {
        "submitter": _token(submitter, MEMBER),
        "reader": _token(reader, READER_ORG),
        "reviewers": reviewer_tokens,
    }


def reader_collection_id() -> str:
    from governance.models import Organization
    from sharing.taxii.collections import collection_id_for

    return collection_id_for(Organization.objects.get(slug=READER_ORG))


def submitter_collection_id() -> str:
    from governance.models import Organization
    from sharing.taxii.collections import collection_id_for

    return collection_id_for(Organization.objects.get(slug=MEMBER))


def _context(kind: str):
    from django.contrib.auth import get_user_model

    from governance.models import IndicatorType, Organization
    from governance.selectors.policy import effective_rule

    org = Organization.objects.get(slug=MEMBER)
    itype = IndicatorType.objects.get(key=kind)
    rule, reason = effective_rule(organization=org, indicator_type=itype)
    assert rule is not None, reason
    user = get_user_model().objects.get(username=SUBMITTER)
    return org, itype, rule, user


def payload_sha256(payload: dict) -> str:
    """Return the SHA-256 of the RFC 8785 form of `payload` (sorted compact JSON, as its keys
    and values are ASCII strings and integers), without the slower general encoder."""
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def _redacted(body: dict) -> dict:
    """Return what the baseline policy publishes of a network-infrastructure payload."""
    redacted = {k: v for k, v in body.items() if k != "analyst_notes"}
    if "ip" in redacted:
        redacted["ip"] = redacted["ip"].rsplit(".", 1)[0] + ".0/24"  # generalize:ipv4/24
    return redacted


def _submission(org, itype, rule, user, body: dict, state: str, now, index: int, tag: str):
    from sharing.models import Source, Submission

    redacted = _redacted(body)
    return Submission(
        id=uuid.uuid4(),
        organization=org,
        submitted_by=user,
        indicator_type=itype,
        schema_version=itype.schema_version,
        payload=body,
        payload_sha256=payload_sha256(body),
        redacted_payload=redacted,
        redacted_sha256=payload_sha256(redacted),
        redaction_report=[],
        flags=[],
        policy_version=rule.policy_version,
        policy_content_hash=rule.policy_version.content_hash,
        rule_path=rule.rule_path,
        rule=rule.rule,
        tlp=rule.rule.get("tlp", ""),
        pap=rule.rule.get("pap", ""),
        audience=[s for s in ("halcyon", "meridian")],
        anonymize_contributor=bool(rule.rule.get("anonymize_contributor")),
        retention_days=rule.rule.get("retention_days"),
        review_stages=list(rule.rule.get("review") or []),
        state=state,
        source=Source.TAXII,
        client_reference=f"bench-{tag}-{index}",
        decided_at=now if state == "published" else None,
    )


_SUBMISSION_COLUMNS = [
    "id", "organization_id", "submitted_by_id", "indicator_type_id", "schema_version",
    "payload", "payload_sha256", "redacted_payload", "redacted_sha256", "redaction_report",
    "flags", "policy_version_id", "policy_content_hash", "rule_path", "rule", "tlp", "pap",
    "audience", "anonymize_contributor", "retention_days", "review_stages", "state",
    "refusal_reason", "source", "client_reference", "review_round", "legal_hold", "created_at",
    "updated_at", "decided_at",
]  # fmt: skip
_INDICATOR_COLUMNS = [
    "id", "submission_id", "indicator_type_id", "contributor_id", "anonymized",
    "redacted_payload", "redacted_sha256", "tlp", "pap", "audience", "policy_version_id",
    "rule_path", "stix_id", "published_at", "expires_at", "recall_reason", "modified_at",
]  # fmt: skip


def _submission_row(org, itype, rule, user, body, state, moment, index, tag) -> tuple:
    sub = _submission(org, itype, rule, user, body, state, moment, index, tag)
    return (
        sub.id, org.pk, user.pk, itype.pk, sub.schema_version, json.dumps(body),
        sub.payload_sha256, json.dumps(sub.redacted_payload), sub.redacted_sha256, "[]", "[]",
        rule.policy_version.pk, sub.policy_content_hash, sub.rule_path, json.dumps(sub.rule),
        sub.tlp, sub.pap, json.dumps(sub.audience), sub.anonymize_contributor,
        sub.retention_days, json.dumps(sub.review_stages), state, "", "taxii",
        sub.client_reference, 1, False, moment, moment, sub.decided_at,
    ), sub  # fmt: skip


def load_published(count: int, *, start: int, kind: str = "network-infrastructure") -> float:
    """Write `count` published indicators as publication would; return the seconds it took.

    One COPY per table: the published submissions, their shared indicators (STIX id, markings,
    audience, expiry and `modified_at` as `indicator_publish` sets them) and the guardian group
    permissions of the audience and the contributor.
    """
    import random

    import psycopg
    from django.contrib.auth.models import Permission

    from benchmarks.dataset import payload
    from governance.models import Organization
    from sharing.services.publication import stix_id_for

    started = time.perf_counter()
    org, itype, rule, user = _context(kind)
    groups = list(
        Organization.objects.filter(slug__in=["halcyon", "meridian", MEMBER]).values_list(
            "group_id", flat=True
        )
    )
    permission = Permission.objects.get(
        codename="view_sharedindicator", content_type__app_label="sharing"
    ).pk
    from django.utils import timezone

    rng = random.Random(start)
    base = timezone.now() - timedelta(days=1)
    submissions, indicators, perms = [], [], []
    for index in range(start, start + count):
        # One millisecond apart, in insertion order, like a steady publication stream.
        moment = base + timedelta(milliseconds=index)
        row, sub = _submission_row(
            org, itype, rule, user, payload(kind, index, rng), "published", moment, index, "pub"
        )
        submissions.append(row)
        indicator_id = uuid.uuid4()
        indicators.append(
            (indicator_id, sub.id, itype.pk, org.pk, sub.anonymize_contributor,
             json.dumps(sub.redacted_payload), sub.redacted_sha256, sub.tlp, sub.pap,
             json.dumps(sub.audience), rule.policy_version.pk, sub.rule_path,
             stix_id_for(sub.id), moment, moment + timedelta(days=sub.retention_days or 90),
             "", moment)
        )  # fmt: skip
        perms.extend((indicator_id, group, permission) for group in groups)
    with psycopg.connect(_url()) as conn, conn.cursor() as cursor:
        _copy(cursor, "sharing_submission", _SUBMISSION_COLUMNS, submissions)
        _copy(cursor, "sharing_sharedindicator", _INDICATOR_COLUMNS, indicators)
        _copy(cursor, "sharing_sharedindicatorgroupobjectpermission",
              ["content_object_id", "group_id", "permission_id"], perms)  # fmt: skip
        conn.commit()
        cursor.execute("ANALYZE sharing_submission, sharing_sharedindicator")
        cursor.execute("ANALYZE sharing_sharedindicatorgroupobjectpermission")
    return time.perf_counter() - started


def _url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def load_open_tasks(count: int) -> float:
    """Write `count` submissions in review, each with one open origin task."""
    from django.db import connection, transaction
    from django.utils import timezone

    from benchmarks.dataset import payload
    from governance.models import Organization
    from sharing.models import ReviewTask, Stage, Submission, TaskState
    from sharing.services.review import review_queue_for

    started = time.perf_counter()
    org, itype, rule, user = _context("network-infrastructure")
    queue = review_queue_for(stage=Stage.ORIGIN, organization=Organization.objects.get(slug=MEMBER))
    import random

    rng = random.Random(count)
    now = timezone.now()
    batch = 5000
    for offset in range(0, count, batch):
        size = min(batch, count - offset)
        submissions, tasks = [], []
        for index in range(offset, offset + size):
            body = payload("network-infrastructure", index, rng)
            submission = _submission(
                org, itype, rule, user, body, "in_review", None, index, "review"
            )
            submissions.append(submission)
            tasks.append(
                ReviewTask(
                    submission=submission,
                    queue=queue,
                    stage=Stage.ORIGIN,
                    position=0,
                    round=1,
                    state=TaskState.OPEN,
                    opened_at=now,
                    due_at=now + timedelta(hours=queue.sla_hours, seconds=index),
                )
            )
        with transaction.atomic():
            Submission.objects.bulk_create(submissions, batch_size=1000)
            ReviewTask.objects.bulk_create(tasks, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sharing_submission, sharing_reviewtask")
    return time.perf_counter() - started


def queue_key() -> str:
    from governance.models import Organization
    from sharing.services.review import origin_queue_key

    return origin_queue_key(Organization.objects.get(slug=MEMBER))


def claimed_task_report() -> dict:
    """Return how many tasks are claimed and whether any task has two claim events."""
    from django.db.models import Count

    from audit.actions import REVIEW_TASK_CLAIMED
    from audit.models import AuditEvent
    from sharing.models import ReviewTask, TaskState

    claimed = ReviewTask.objects.filter(state=TaskState.CLAIMED).count()
    doubles = (
        AuditEvent.objects.filter(action=REVIEW_TASK_CLAIMED)
        .values("object_id")
        .annotate(n=Count("seq"))
        .filter(n__gt=1)
        .count()
    )
    events = AuditEvent.objects.filter(action=REVIEW_TASK_CLAIMED).count()
    return {"claimed": claimed, "claim_events": events, "double_claims": doubles}


def check_chain() -> int:
    """Verify the whole audit chain in the database; return its size."""
    from audit.integrity import check_database

    return check_database().size


# --- the physical limit ---------------------------------------------------------------------


def _defaults(table: str, columns: list[str]) -> tuple[list[str], tuple]:
    """Return the other columns of `table`'s model and their model defaults.

    Columns added to a model later (with a default in Django, not in the database) are then
    filled as the ORM would fill them, so the loader keeps working as the models grow.
    """
    from django.apps import apps
    from django.db.models import JSONField

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in columns or field.primary_key:
            continue
        default = field.get_default()
        names.append(field.column)
        values.append(json.dumps(default) if isinstance(field, JSONField) else default)
    return names, tuple(values)


def _copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    extra, values = _defaults(table, columns)
    with cursor.copy(f"COPY {table} ({', '.join([*columns, *extra])}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *values))


def intake_cpu(count: int, kind: str = "network-infrastructure") -> float:
    """Return the seconds one process spends on the work intake does for `count` objects
    before it writes anything: STIX mapping, limits, schema, scanning, redaction, hashes.

    The same functions `submission_create_many` calls, on the ingest data set, with the
    batch's lookups (types, rule, watchlist, members) done once outside the timing: what no
    amount of write batching removes, the bound beside the raw COPY.
    """
    from benchmarks.dataset import stix_objects
    from governance.models import IndicatorType, Organization
    from governance.selectors.policy import effective_rule, member_org_slugs
    from sharing import stix
    from sharing.services import intake
    from sharing.services.watchlist import watchlist_for

    org = Organization.objects.get(slug=MEMBER)
    types = list(IndicatorType.objects.filter(is_active=True))
    itype = next(t for t in types if t.key == kind)
    rule, _ = effective_rule(organization=org, indicator_type=itype)
    watchlist, members = watchlist_for(organization=org), list(member_org_slugs())
    objects = stix_objects(kind, count, seed=11)
    started = time.perf_counter()
    for obj in objects:
        mapped = stix.stix_to_submission(obj, types)
        intake.check_client_reference(mapped.client_reference)
        intake.check_limits(mapped.payload)
        intake.check_schema(itype, mapped.payload)
        submission = intake.new_submission(
            None, org, itype, mapped.payload, "taxii", mapped.client_reference
        )
        outcome = intake.apply_policy(
            organization=org, indicator_type=itype, payload=mapped.payload, rule=rule,
            watchlist=watchlist, members=members,
        )  # fmt: skip
        intake.apply_rule_fields(submission, rule, outcome)
    return time.perf_counter() - started


def raw_insert(count: int) -> dict:
    """Insert the rows of `count` submissions with raw psycopg COPY; return the timings."""
    import psycopg
    from django.utils import timezone

    from audit.models import AuditHead
    from benchmarks.dataset import payload
    from governance.models import Organization
    from sharing.models import ReviewQueue, Stage
    from sharing.services.review import review_queue_for

    org, itype, rule, user = _context("network-infrastructure")
    queue: ReviewQueue = review_queue_for(
        stage=Stage.ORIGIN, organization=Organization.objects.get(slug=MEMBER)
    )
    head = AuditHead.objects.get(pk=1)
    import random

    rng = random.Random(7)
    now = timezone.now()
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    submissions, transitions, tasks, events = [], [], [], []
    seq, prev = head.size, head.last_leaf_hash if head.size else "0" * 64
    for index in range(count):
        body = payload("network-infrastructure", index, rng)
        sid = uuid.uuid4()
        redacted = _redacted(body)
        sha = payload_sha256(body)
        submissions.append(
            (
                sid, org.pk, user.pk, itype.pk, itype.schema_version, json.dumps(body), sha,
                json.dumps(redacted), sha, "[]", "[]", rule.policy_version.pk,
                rule.policy_version.content_hash, rule.rule_path, json.dumps(rule.rule),
                "AMBER", "GREEN", '["halcyon", "meridian"]', True, 90, '["origin"]',
                "in_review", "", "taxii", f"raw-{index}", 1, False, now, now,
            )
        )  # fmt: skip
        transitions.append((sid, "", "submitted", SUBMITTER, "", now))
        transitions.append((sid, "submitted", "in_review", "system", "", now))
        tasks.append(
            (sid, queue.pk, "origin", 0, 1, "open", now, now, "", "", "{}", "", now)
        )  # fmt: skip
        for action in ("submission.created", "submission.in_review"):
            leaf = json.dumps(
                {
                    "action": action,
                    "actor": {"org": MEMBER, "role": "analyst", "user_id": user.pk,
                              "username": SUBMITTER},
                    "data": {"payload_sha256": sha},
                    "object": {"id": str(sid), "type": "sharing.submission"},
                    "prev": prev,
                    "recorded_at": stamp,
                    "seq": seq,
                    "v": 1,
                },
                separators=(",", ":"),
            ).encode()  # fmt: skip
            digest = hashlib.sha256(b"\x00" + leaf).hexdigest()
            events.append(
                (seq, now, user.pk, SUBMITTER, MEMBER, "analyst", action, "sharing.submission",
                 str(sid), json.dumps({"payload_sha256": sha}), leaf, prev, digest)
            )  # fmt: skip
            seq, prev = seq + 1, digest
    with psycopg.connect(_url()) as conn, conn.cursor() as cursor:
        # The real log refuses every UPDATE of its tables; the bench restores the rows it adds
        # by dropping the database at the end, so it only needs to append here.
        started = time.perf_counter()
        _copy(cursor, "sharing_submission", [
            "id", "organization_id", "submitted_by_id", "indicator_type_id", "schema_version",
            "payload", "payload_sha256", "redacted_payload", "redacted_sha256",
            "redaction_report", "flags", "policy_version_id", "policy_content_hash",
            "rule_path", "rule", "tlp", "pap", "audience", "anonymize_contributor",
            "retention_days", "review_stages", "state", "refusal_reason", "source",
            "client_reference", "review_round", "legal_hold", "created_at", "updated_at",
        ], submissions)  # fmt: skip
        _copy(cursor, "sharing_submissiontransition", [
            "submission_id", "from_state", "to_state", "actor_username", "reason", "at",
        ], transitions)  # fmt: skip
        _copy(cursor, "sharing_reviewtask", [
            "submission_id", "queue_id", "stage", "position", "round", "state", "opened_at",
            "due_at", "decision", "reason", "extra_redactions", "redacted_sha256", "created_at",
        ], tasks)  # fmt: skip
        _copy(cursor, "audit_auditevent", [
            "seq", "recorded_at", "actor_user_id", "actor_username", "actor_org", "actor_role",
            "action", "object_type", "object_id", "data", "leaf", "prev_hash", "leaf_hash",
        ], events)  # fmt: skip
        cursor.execute(
            "UPDATE audit_audithead SET size = %s, last_leaf_hash = %s WHERE id = 1",
            (seq, prev),
        )
        conn.commit()
        copy_seconds = time.perf_counter() - started
    return {"rows": len(submissions) + len(transitions) + len(tasks) + len(events),
            "seconds": copy_seconds}  # fmt: skip
