"""Submission pages: the type-driven form with preview, my organization's list and detail,
withdrawal, and the member admin's private watchlist."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.errors import Conflict, ValidationFailed
from config.pages import form_add_errors, page
from governance.permissions import can, organizations_with
from governance.roles import Capability
from governance.selectors.catalog import indicator_type_list
from sharing.core import lifecycle
from sharing.core.summary import summary_line
from sharing.forms import (
    IndicatorTypeChoiceForm,
    SubmissionForm,
    WatchlistTermForm,
    WithdrawForm,
    payload_field,
)
from sharing.forms_search import SubmissionSearchForm
from sharing.models import Source
from sharing.selectors.search import submission_search
from sharing.selectors.submissions import (
    submission_get,
    submission_history,
    submission_original_view,
    submitting_organization,
    submitting_organizations,
    watchlist_term_list,
)
from sharing.services.intake import (
    WITHDRAWABLE,
    submission_create,
    submission_preview,
    submission_withdraw,
)
from sharing.services.watchlist import watchlist_term_add, watchlist_term_remove
from sharing.views.highlighting import display_value, flag_segments
from sharing.views.listing import SUBMISSION_COLUMNS, query_without, sort_columns

PAGE_SIZE = 50


def _field_rows(fields: list[dict], original: dict | None, redacted: dict, report, flags):
    """Return one row per field: original (flags marked in place), redacted value, action."""
    report_by_field = {entry["field"]: entry for entry in report}
    rows = []
    names = [spec["name"] for spec in fields]
    names += [name for name in (original or {}) if name not in names]
    for name in names:
        if original is not None and name not in original and name not in redacted:
            continue
        value = (original or {}).get(name)
        field_flags = [f for f in flags if f["field"] == name]
        if isinstance(value, list):
            items = [
                flag_segments(display_value(item), [f for f in field_flags if f.get("index") == i])
                if isinstance(item, str)
                else [{"text": display_value(item)}]
                for i, item in enumerate(value)
            ]
        elif isinstance(value, str):
            items = [flag_segments(value, [f for f in field_flags if f.get("index") is None])]
        else:
            items = [[{"text": display_value(value)}]] if name in (original or {}) else []
        entry = report_by_field.get(name, {})
        rows.append(
            {
                "name": name,
                "original": items,
                "redacted": display_value(redacted[name]) if name in redacted else None,
                "action": entry.get("action", ""),
                "reason": entry.get("reason", ""),
                "rule": entry.get("rule") or "",
                "flag_count": len(field_flags),
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# Submitting


@page
def submission_new(request):
    """Choose a type, fill its form, preview what each audience receives, then submit."""
    organizations = submitting_organizations(actor=request.user)
    if not organizations:
        raise PermissionDenied("You are not allowed to submit indicators.")
    types = list(indicator_type_list(actor=request.user))
    source = request.POST if request.method == "POST" else request.GET
    chooser = IndicatorTypeChoiceForm(source or None, types=types)
    chosen = next((t for t in types if t.key == source.get("type")), None)
    context = {"chooser": chooser, "indicator_type": chosen, "types": types}
    if chosen is None:
        return render(request, "sharing/submissions/new.html", context)
    if request.method != "POST":
        form = SubmissionForm(
            indicator_type=chosen,
            organizations=organizations,
            initial={"client_reference": f"ui-{uuid.uuid4()}"},
        )
        return render(request, "sharing/submissions/new.html", {**context, "form": form})
    form = SubmissionForm(request.POST, indicator_type=chosen, organizations=organizations)
    context["form"] = form
    if not form.is_valid():
        return render(request, "sharing/submissions/new.html", context, status=400)
    try:
        organization = submitting_organization(
            actor=request.user, slug=form.cleaned_data.get("organization")
        )
        payload = form.payload()
        if request.POST.get("action") == "submit":
            submission = submission_create(
                actor=request.user,
                organization=organization,
                indicator_type=chosen,
                payload=payload,
                source=Source.UI,
                client_reference=form.cleaned_data["client_reference"],
            )
            if submission.state == lifecycle.REFUSED:
                messages.error(request, f"Refused by policy: {submission.refusal_reason}")
            else:
                messages.success(request, "Submitted. Reviewers see it now.")
            return redirect("submission-detail", pk=submission.pk)
        preview = submission_preview(
            actor=request.user, organization=organization, indicator_type=chosen, payload=payload
        )
    except ValidationFailed as exc:
        form_add_errors(form, exc, field_for=payload_field)
        return render(request, "sharing/submissions/new.html", context, status=400)
    context["preview"] = preview
    context["preview_rows"] = _field_rows(
        chosen.fields,
        payload,
        preview["redacted_payload"],
        preview["redaction_report"],
        preview["flags"],
    )
    return render(request, "sharing/submissions/new.html", context)


# --------------------------------------------------------------------------------------------
# Reading


@page
def submission_list_page(request):
    if not can(request.user, Capability.VIEW_OWN_SUBMISSIONS):
        raise PermissionDenied("You cannot see submissions.")
    types = indicator_type_list(actor=request.user)
    form = SubmissionSearchForm(request.GET, types=types)
    filters = form.filters()
    sort = request.GET.get("sort", "") or "-submitted"
    results = submission_search(actor=request.user, filters=filters, sort=sort)
    page_obj = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    submissions = list(page_obj.object_list)
    return render(
        request,
        "sharing/submissions/list.html",
        {
            "form": form,
            "searching": bool(filters),
            "rows": [
                {
                    "submission": s,
                    "summary": summary_line(s.indicator_type.fields, s.redacted_payload or {}),
                }
                for s in submissions
            ],
            "page_obj": page_obj,
            "columns": sort_columns(request, sort, SUBMISSION_COLUMNS),
            "query": query_without(request, "page"),
            "can_submit": can(request.user, Capability.SUBMIT),
        },
    )


@page
def submission_detail_page(request, pk):
    submission = submission_original_view(actor=request.user, id=pk)
    rows = _field_rows(
        submission.indicator_type.fields,
        submission.payload,
        submission.redacted_payload,
        submission.redaction_report,
        submission.flags,
    )
    may_withdraw = submission.state in WITHDRAWABLE and can(
        request.user, Capability.SUBMIT, submission.organization
    )
    return render(
        request,
        "sharing/submissions/detail.html",
        {
            "submission": submission,
            "rows": rows,
            "history": submission_history(submission=submission),
            "withdraw_form": WithdrawForm() if may_withdraw else None,
            "reads_audit": can(request.user, Capability.READ_AUDIT),
        },
    )


@page
@require_POST
def submission_withdraw_page(request, pk):
    submission = submission_get(actor=request.user, id=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why you withdraw it.")
        return redirect("submission-detail", pk=submission.pk)
    try:
        submission_withdraw(
            actor=request.user, submission=submission, reason=form.cleaned_data["reason"]
        )
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Withdrawn.")
    return redirect("submission-detail", pk=submission.pk)


# --------------------------------------------------------------------------------------------
# Watchlist


@page
def watchlist_page(request):
    organizations = organizations_with(request.user, Capability.MANAGE_WATCHLIST)
    if not organizations:
        raise PermissionDenied("Only member admins manage the watchlist.")
    form = WatchlistTermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            watchlist_term_add(
                actor=request.user,
                organization=organizations[0],
                term=form.cleaned_data["term"],
                category=form.cleaned_data["category"],
            )
        except ValidationFailed as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, "Term hashed and added. The term itself was not stored.")
            return redirect("watchlist")
    return render(
        request,
        "sharing/submissions/watchlist.html",
        {
            "form": form,
            "terms": watchlist_term_list(actor=request.user),
            "organization": organizations[0],
        },
        status=400 if form.errors else 200,
    )


@page
@require_POST
def watchlist_remove_page(request, pk: int):
    term = watchlist_term_list(actor=request.user).filter(pk=pk).first()
    if term is None:
        raise Http404("No such watchlist term.")
    watchlist_term_remove(actor=request.user, term=term)
    messages.success(request, "Term removed.")
    return redirect("watchlist")
