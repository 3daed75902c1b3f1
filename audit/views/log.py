"""Audit pages for counsel and regulators: browser, timelines, checkpoints and exports."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import keys
from audit.forms import CosignatureForm, EventFilterForm, ExportRequestForm
from audit.selectors.log import (
    EventFilters,
    audit_checkpoint_get,
    audit_checkpoint_list,
    audit_event_list,
    audit_export_get,
    audit_export_list,
    audit_filter_choices,
    audit_object_timeline,
)
from audit.services.checkpoints import checkpoint_note_with_cosignatures
from audit.services.cosignatures import audit_cosignature_add
from audit.services.exports import audit_export_download, audit_export_request
from config.errors import Conflict, ValidationFailed
from config.pages import form_add_errors, page
from governance.permissions import can, organizations_with
from governance.roles import Capability, OrgKind

PAGE_SIZE = 50


def _reads_audit(user) -> bool:
    return can(user, Capability.READ_AUDIT)


audit_reader_required = page(
    allow=_reads_audit, refusal="Only counsel and regulators may read the audit log."
)


@require_GET
@audit_reader_required
def event_list(request):
    organizations, people = audit_filter_choices(user=request.user)
    form = EventFilterForm(request.GET or None, organizations=organizations, people=people)
    filters = EventFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = EventFilters(
            since=data["since"],
            until=data["until"],
            action=data["action"] or None,
            organization=data["organization"] or None,
            actor=data["actor"] or None,
            object_type=data["object_type"] or None,
            object_id=data["object_id"] or None,
            before_seq=data["before"],
        )
    events = list(audit_event_list(user=request.user, filters=filters)[: PAGE_SIZE + 1])
    older = None
    if len(events) > PAGE_SIZE:
        events = events[:PAGE_SIZE]
        query = request.GET.copy()
        query["before"] = events[-1].seq
        older = query.urlencode()
    newest = None
    if filters.before_seq is not None:
        query = request.GET.copy()
        query.pop("before", None)
        newest = query.urlencode()
    return render(
        request,
        "audit/events.html",
        {"form": form, "events": events, "older_query": older, "newest_query": newest},
    )


@require_GET
@audit_reader_required
def object_timeline(request, object_type: str, object_id: str):
    events = audit_object_timeline(user=request.user, object_type=object_type, object_id=object_id)
    return render(
        request,
        "audit/timeline.html",
        {"events": events, "object_type": object_type, "object_id": object_id},
    )


def _is_regulator(user) -> bool:
    return any(o.kind == OrgKind.REGULATOR for o in organizations_with(user, Capability.READ_AUDIT))


@require_GET
@audit_reader_required
def checkpoint_list(request):
    checkpoints = list(audit_checkpoint_list(user=request.user)[:100])
    can_cosign = _is_regulator(request.user)
    for checkpoint in checkpoints:
        # One form per row, each with its own element ids, so every label names its own field.
        checkpoint.cosign_form = (
            CosignatureForm(
                initial={"checkpoint_size": checkpoint.size},
                auto_id=f"id_cosign_{checkpoint.size}_%s",
            )
            if can_cosign
            else None
        )
    return render(
        request,
        "audit/checkpoints.html",
        {
            "checkpoints": checkpoints,
            "verifier_key": keys.verifier_key_text(),
            "key_id": keys.key_id_hex(),
            "key_name": keys.key_name(),
            "can_cosign": can_cosign,
        },
    )


@require_POST
@audit_reader_required
def cosignature_upload(request):
    form = CosignatureForm(request.POST)
    if form.is_valid():
        try:
            audit_cosignature_add(actor=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            form_add_errors(form, exc)
        except Conflict as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, "Your cosignature verified and was stored.")
            return redirect("audit:checkpoints")
    return render(
        request,
        "audit/cosign.html",
        {
            "form": form,
            "checkpoint_size": form.data.get("checkpoint_size"),
        },
        status=400,
    )


@require_GET
@audit_reader_required
def checkpoint_note(request, size: int):
    checkpoint = audit_checkpoint_get(user=request.user, size=size)
    response = HttpResponse(
        checkpoint_note_with_cosignatures(checkpoint), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="checkpoint-{size}.txt"'
    return response


@require_GET
@audit_reader_required
def public_key(request):
    response = HttpResponse(keys.verifier_key_text() + "\n", content_type="text/plain")
    response["Content-Disposition"] = 'attachment; filename="clearroom-audit.pub"'
    return response


@require_http_methods(["GET", "POST"])
@audit_reader_required
def export_list(request):
    form = ExportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export = audit_export_request(actor=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, f"Export #{export.pk} requested; it is being built.")
            return redirect("audit:exports")
    exports = audit_export_list(user=request.user)[:100]
    status = 400 if form.is_bound else 200
    return render(request, "audit/exports.html", {"form": form, "exports": exports}, status=status)


@require_GET
@audit_reader_required
def export_row(request, export_id: int):
    export = audit_export_get(user=request.user, export_id=export_id)
    return render(request, "audit/_export_row.html", {"export": export})


@require_GET
@audit_reader_required
def export_download(request, export_id: int):
    export = audit_export_get(user=request.user, export_id=export_id)
    try:
        path = audit_export_download(actor=request.user, export=export)
    except Conflict as exc:  # not complete: nothing to download yet
        raise Http404(exc.message) from exc
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"clearroom-audit-export-{export.pk}.zip",
        content_type="application/zip",
    )
