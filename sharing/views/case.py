"""The case timeline page (counsel and regulators): one submission's whole story."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from config.pages import page
from governance.permissions import can
from governance.roles import Capability
from sharing.selectors.case import case_get, case_submission_id

_case_reader = page(
    allow=lambda user: can(user, Capability.READ_AUDIT),
    refusal="Only counsel and regulators read case timelines.",
)


def _render(request, submission_id):
    case = case_get(actor=request.user, submission_id=submission_id)
    return render(request, "sharing/cases/timeline.html", {"case": case})


@require_GET
@_case_reader
def case_page(request, pk):
    return _render(request, pk)


@require_GET
@_case_reader
def case_for_object(request, object_type: str, object_id: str):
    """Show the case of any of its objects (a link from a task, an indicator, an audit row)."""
    pk = case_submission_id(actor=request.user, object_type=object_type, object_id=object_id)
    return _render(request, pk)
