"""Counsel's pages for the forum's documents: history, drafting, submission and decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import AccessDenied, Conflict, ValidationFailed
from config.pages import page
from membership.forms import DocumentDecisionForm, DocumentDraftForm
from membership.models import DocumentKind, DocumentStatus
from membership.selectors.applications import may_decide
from membership.selectors.documents import (
    document_get,
    document_in_force,
    document_list,
    may_read_documents,
)
from membership.services import documents as services


@page(allow=may_read_documents)
def document_versions(request):
    versions = list(document_list(actor=request.user))
    return render(
        request,
        "membership/documents.html",
        {
            "groups": [
                {
                    "kind": kind,
                    "label": label,
                    "in_force": document_in_force(kind),
                    "versions": [v for v in versions if v.kind == kind],
                }
                for kind, label in DocumentKind.choices
            ],
            "may_draft": may_decide(request.user),
        },
    )


def _initial(kind: str) -> dict:
    current = document_in_force(kind)
    if current is None:
        return {}
    content = current.content
    if kind == DocumentKind.CHARTER:
        return {"title": content["title"], "text": content["text"]}
    lines = [f"{c['key']} | {c['title']} | {c['description']}" for c in content["criteria"]]
    return {
        "title": content["title"],
        "introduction": content.get("introduction", ""),
        "criteria": "\n".join(lines),
    }


@page(allow=may_decide, refusal="Only counsel drafts the forum's documents.")
@require_http_methods(["GET", "POST"])
def document_new(request, kind: str):
    if kind not in DocumentKind.values:
        raise Http404("No such document.")
    errors: list = []
    status = 200
    if request.method == "POST":
        form = DocumentDraftForm(request.POST)
        if form.is_valid():
            try:
                version = services.document_draft_create(
                    actor=request.user, kind=kind, content=form.content(kind)
                )
            except ValidationFailed as exc:
                errors = exc.errors
            else:
                messages.success(request, f"Draft v{version.number} saved.")
                return redirect("membership-document", pk=version.pk)
        status = 400
    else:
        form = DocumentDraftForm(initial=_initial(kind))
    return render(
        request,
        "membership/document_form.html",
        {"form": form, "kind": kind, "label": DocumentKind(kind).label, "errors": errors},
        status=status,
    )


@page(allow=may_read_documents)
def document_detail(request, pk: int):
    version = document_get(actor=request.user, pk=pk)
    is_drafter = version.drafted_by_id == request.user.pk
    return render(
        request,
        "membership/document_detail.html",
        {
            "version": version,
            "may_submit": is_drafter and version.status == DocumentStatus.DRAFT,
            "may_decide": may_decide(request.user)
            and not is_drafter
            and version.status == DocumentStatus.PENDING_APPROVAL,
            "form": DocumentDecisionForm(),
        },
    )


@page(allow=may_decide, refusal="Only counsel submits the forum's documents.")
@require_POST
def document_submit(request, pk: int):
    version = document_get(actor=request.user, pk=pk)
    try:
        services.document_submit(actor=request.user, version=version)
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Version {version.number} awaits another counsel's approval.")
    return redirect("membership-document", pk=version.pk)


@page(allow=may_decide, refusal="Only counsel decides the forum's documents.")
@require_POST
def document_decide(request, pk: int):
    version = document_get(actor=request.user, pk=pk)
    form = DocumentDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject and give a statement.")
        return redirect("membership-document", pk=version.pk)
    decide = (
        services.document_approve
        if form.cleaned_data["decision"] == "approve"
        else services.document_reject
    )
    try:
        decide(actor=request.user, version=version, statement=form.cleaned_data["statement"])
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Version {version.number} decided.")
    return redirect("membership-document", pk=version.pk)
