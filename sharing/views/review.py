"""Reviewer pages: queues, the review page with original and redacted side by side, decisions,
and counsel's reassignment and recall list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from config.pages import page
from governance.core import field_actions as fa
from governance.permissions import can
from governance.roles import Capability
from governance.selectors.catalog import indicator_type_list
from sharing.models import Decision, TaskState
from sharing.selectors.indicators import recall_list
from sharing.selectors.review import (
    claim_next_queues,
    review_history,
    review_queue_list,
    review_task_get,
    review_task_list,
)
from sharing.services import review as services
from sharing.views.highlighting import (
    display_value,
    flag_segments,
    flagged_sentences,
    request_changes_text,
)

STRICTER_ACTIONS = (
    "drop",
    "pseudonymize",
    "scrub",
    "mask:4",
    "generalize:ipv4/24",
    "generalize:ipv4/16",
    "generalize:ipv6/48",
    "generalize:day",
    "generalize:week",
    "generalize:log10",
)


def queue(request):
    filters = {
        key: request.GET.get(key, "")
        for key in ("queue", "type", "stage", "flags", "older_than_hours")
    }
    if not filters["older_than_hours"].isdigit():
        filters["older_than_hours"] = ""
    tasks = list(review_task_list(actor=request.user, filters=filters)[:200])
    for task in tasks:
        task.hold_reason = services.review_hold_reason(task.submission)
    return render(
        request,
        "sharing/review/queue.html",
        {
            "queues": review_queue_list(actor=request.user),
            "types": indicator_type_list(actor=request.user),
            "tasks": tasks,
            "filters": filters,
            "is_counsel": can(request.user, Capability.REVIEW_FORUM),
        },
    )


def _rows(submission, plans) -> list[dict]:
    original = submission.payload or {}
    redacted = submission.redacted_payload
    report = {entry["field"]: entry for entry in submission.redaction_report}
    flags_by_field: dict[str, list[dict]] = {}
    for flag in submission.flags:
        if flag.get("index") is None:
            flags_by_field.setdefault(flag["field"], []).append(flag)
    rows = []
    for plan in plans:
        value = original.get(plan.name)
        shown = display_value(value) if plan.name in original else None
        planned = fa.parse_action(plan.action)
        choices = [
            a
            for a in STRICTER_ACTIONS
            if a != plan.action
            and fa.fits_datatype(fa.parse_action(a), plan.datatype)
            and fa.is_at_least_as_strict(fa.parse_action(a), planned)
        ]
        rows.append(
            {
                "name": plan.name,
                "original": flag_segments(shown, flags_by_field.get(plan.name, []))
                if isinstance(value, str)
                else ([{"text": shown}] if shown is not None else []),
                "redacted": display_value(redacted[plan.name]) if plan.name in redacted else None,
                "action": report.get(plan.name, {}).get("action", plan.action),
                "rule": plan.rule,
                "flag_count": sum(1 for f in submission.flags if f["field"] == plan.name),
                "choices": choices if plan.name in redacted and planned.kind != fa.DROP else [],
            }
        )
    return rows


def task_detail(request, pk: int):
    task = review_task_get(actor=request.user, pk=pk)
    submission = task.submission
    may_review = services.review_refusal(actor=request.user, task=task) is None
    if may_review and submission.payload is not None:
        services.review_original_viewed(actor=request.user, task=task)
    sentences = flagged_sentences(submission) if may_review else []
    return render(
        request,
        "sharing/review/task.html",
        {
            "task": task,
            "submission": submission,
            "rows": _rows(submission, services.field_plans(submission)) if may_review else [],
            "may_review": may_review,
            "holds_task": task.state == TaskState.CLAIMED and task.assignee_id == request.user.pk,
            "history": review_history(actor=request.user, task=task),
            "decisions": Decision.choices,
            "is_counsel": can(request.user, Capability.REVIEW_FORUM),
            "flagged_sentences": sentences,
            "request_changes_text": request_changes_text(sentences),
            "hold_reason": services.review_hold_reason(submission),
        },
    )


def _act(request, pk: int, action) -> object:
    task = review_task_get(actor=request.user, pk=pk)
    try:
        action(task)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        for error in exc.errors:
            messages.error(request, f"{error['field']}: {error['message']}")
        return redirect("review-task", pk=pk)
    return None


def claim(request, pk: int):
    failed = _act(request, pk, lambda t: services.review_task_claim(actor=request.user, task=t))
    if failed:
        return failed
    messages.success(request, "Task claimed.")
    return redirect("review-task", pk=pk)


def claim_next(request):
    try:
        queues = claim_next_queues(actor=request.user, key=request.POST.get("queue", ""))
        task = services.review_task_claim_next(actor=request.user, queues=queues)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("review-queue")
    if task is None:
        messages.info(request, "No open task is left that you may review.")
        return redirect("review-queue")
    messages.success(request, "Task claimed: the most urgent open task you may review.")
    return redirect("review-task", pk=task.pk)


def release(request, pk: int):
    failed = _act(request, pk, lambda t: services.review_task_release(actor=request.user, task=t))
    if failed:
        return failed
    messages.success(request, "Task released to the queue.")
    return redirect("review-queue")


def decide(request, pk: int):
    extra = {
        key.removeprefix("extra_"): value
        for key, value in request.POST.items()
        if key.startswith("extra_") and value
    }
    failed = _act(
        request,
        pk,
        lambda t: services.review_task_decide(
            actor=request.user,
            task=t,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            extra_redactions=extra,
        ),
    )
    if failed:
        return failed
    messages.success(request, "Decision recorded.")
    return redirect("review-queue")


def reassign(request, pk: int):
    assignee = (
        get_user_model()
        .objects.filter(username=request.POST.get("assignee", ""), is_active=True)
        .first()
    )
    if assignee is None:
        messages.error(request, "No such reviewer.")
        return redirect("review-task", pk=pk)
    failed = _act(
        request,
        pk,
        lambda t: services.review_task_reassign(actor=request.user, task=t, assignee=assignee),
    )
    if failed:
        return failed
    messages.success(request, f"Task reassigned to {assignee.get_username()}.")
    return redirect("review-task", pk=pk)


@page
def recalls(request):
    flagged = list(recall_list(actor=request.user))
    for indicator in flagged:
        indicator.flagged_sentences = _flagged_sentences(indicator)
    return render(request, "sharing/review/recalls.html", {"indicators": flagged})


def _flagged_sentences(indicator) -> list[dict]:
    """Return the published texts a newer detector flags, with the sentences marked in place."""
    rows = []
    payload = indicator.redacted_payload
    for flag in indicator.recall_flags:
        value = payload.get(flag["field"])
        if isinstance(value, list):
            index = flag.get("index")
            value = value[index] if isinstance(index, int) and index < len(value) else None
        if not isinstance(value, str):
            continue
        rows.append({"flag": flag, "segments": flag_segments(value, [flag])})
    return rows


def _is_reviewer(user) -> bool:
    return can(user, Capability.REVIEW_ORIGIN) or can(user, Capability.REVIEW_FORUM)


_reviewer = page(allow=_is_reviewer, refusal="Only reviewers see review queues.")
queue = _reviewer(queue)
task_detail = _reviewer(task_detail)
claim = require_POST(_reviewer(claim))
claim_next = require_POST(_reviewer(claim_next))
release = require_POST(_reviewer(release))
decide = require_POST(_reviewer(decide))
reassign = require_POST(_reviewer(reassign))
