"""Policy pages: history, draft editor, counsel's approval, policy in force, overrides.

Thin: forms parse, selectors read, services write."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import Conflict, ValidationFailed
from config.pages import form_add_errors, page
from governance.core import policy_language
from governance.core.formatting import rules_by_type, rules_to_yaml
from governance.forms import (
    DecisionForm,
    InForceForm,
    OverrideForm,
    PolicyDraftForm,
)
from governance.forms_policy import TypeRuleForm
from governance.models import PolicyStatus
from governance.permissions import can, require
from governance.roles import Capability
from governance.selectors.catalog import catalog_fields, catalog_types
from governance.selectors.policy import (
    member_org_slugs,
    org_override_get,
    policy_in_force_for,
    policy_text_check,
    policy_version_get,
    policy_version_in_force,
    policy_version_list,
)
from governance.services import policy as policy_services
from governance.services.catalog import BASELINE_POLICY_PATH
from governance.views.accounts import own_organization


@page
def policy_versions(request):
    versions = policy_version_list(actor=request.user)
    return render(
        request,
        "governance/policy_versions.html",
        {
            "versions": versions,
            "in_force": policy_version_in_force(),
            "may_draft": can(request.user, Capability.DRAFT_POLICY),
        },
    )


# The versions the simulation page runs (sharing.services.simulation.SIMULATED_STATUSES).
SIMULATED_STATUSES = (PolicyStatus.DRAFT, PolicyStatus.PENDING_APPROVAL)


def _diff_against_in_force(rules) -> tuple:
    in_force = policy_version_in_force()
    changes = policy_language.diff_rules(in_force.rules if in_force else None, rules)
    return in_force, _group_diff(changes)


@page
def policy_version_detail(request, pk: int):
    version = policy_version_get(actor=request.user, pk=pk)
    is_drafter = version.drafted_by_id == request.user.pk
    in_force, diff = _diff_against_in_force(version.rules)
    return render(
        request,
        "governance/policy_version_detail.html",
        {
            "version": version,
            "warnings": _warnings(version.rules),
            "rows": rules_by_type(version.rules, catalog_types()),
            "yaml": rules_to_yaml(version.rules),
            "may_edit": is_drafter and version.status == PolicyStatus.DRAFT,
            # The drafter sees what submitting would ask counsel to approve.
            "diff": diff if version.status in SIMULATED_STATUSES else None,
            "in_force": in_force,
            "may_simulate": version.status in SIMULATED_STATUSES
            and can(request.user, Capability.APPROVE_POLICY),
            "may_decide": version.status == PolicyStatus.PENDING_APPROVAL
            and not is_drafter
            and can(request.user, Capability.APPROVE_POLICY),
        },
    )


def _warnings(rules) -> list[policy_language.PolicyError]:
    return policy_language.free_text_warnings(rules, catalog=catalog_fields())


def _errors_context(exc: ValidationFailed) -> dict:
    return {"error_message": exc.message, "policy_errors": exc.errors}


@page
@require_http_methods(["GET", "POST"])
def policy_draft_new(request):
    require(request.user, Capability.DRAFT_POLICY)
    context: dict = {}
    if request.method == "POST":
        form = PolicyDraftForm(request.POST)
        if form.is_valid():
            try:
                version = policy_services.policy_version_draft_create(
                    actor=request.user, text=form.cleaned_data["text"]
                )
            except ValidationFailed as exc:
                context.update(_errors_context(exc))
            else:
                messages.success(request, f"Draft v{version.number} saved.")
                return redirect("policy-version", pk=version.pk)
    else:
        in_force = policy_version_in_force()
        text = (
            rules_to_yaml(in_force.rules)
            if in_force
            else BASELINE_POLICY_PATH.read_text(encoding="utf-8")
        )
        form = PolicyDraftForm(initial={"text": text})
    return render(
        request, "governance/policy_draft_form.html", {"form": form, "version": None, **context}
    )


def _require_drafter(user, version) -> None:
    if version.drafted_by_id != user.pk or version.status != PolicyStatus.DRAFT:
        raise PermissionDenied("Only the drafter edits a draft, and only while it is a draft.")


def _save_draft(request, version, context: dict, saved: str, **change):
    """Update the draft with `change`; return the redirect to it, or None with the errors put
    in `context` so the form is shown again."""
    try:
        policy_services.policy_version_draft_update(actor=request.user, version=version, **change)
    except ValidationFailed as exc:
        context.update(_errors_context(exc))
        return None
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, saved)
    return redirect("policy-version", pk=version.pk)


@page
@require_http_methods(["GET", "POST"])
def policy_draft_edit(request, pk: int):
    version = policy_version_get(actor=request.user, pk=pk)
    context: dict = {}
    if request.method == "POST":
        form = PolicyDraftForm(request.POST)
        if form.is_valid():
            saved = _save_draft(
                request,
                version,
                context,
                f"Draft v{version.number} saved.",
                text=form.cleaned_data["text"],
            )
            if saved is not None:
                return saved
    else:
        _require_drafter(request.user, version)
        form = PolicyDraftForm(initial={"text": rules_to_yaml(version.rules)})
    return render(
        request,
        "governance/policy_draft_form.html",
        {"form": form, "version": version, **context},
    )


@page
@require_http_methods(["GET", "POST"])
def policy_draft_type(request, pk: int, type_key: str):
    """Edit one indicator type's rule of a draft with a form (the YAML holds the same rules)."""
    version = policy_version_get(actor=request.user, pk=pk)
    _require_drafter(request.user, version)
    specs = catalog_fields().get(type_key)
    if specs is None:
        raise Http404("No such indicator type.")
    rule = (version.rules.get("indicator_types") or {}).get(type_key) or {"share": False}
    orgs = [(slug, slug) for slug in member_org_slugs()]
    form = TypeRuleForm(request.POST or None, rule=rule, field_specs=specs, orgs=orgs)
    context: dict = {}
    if request.method == "POST" and form.is_valid():
        rules = copy.deepcopy(version.rules)
        rules.setdefault("indicator_types", {})[type_key] = form.rule_value()
        saved = _save_draft(
            request,
            version,
            context,
            f"Rule of {type_key} saved in draft v{version.number}.",
            rules=rules,
        )
        if saved is not None:
            return saved
    return render(
        request,
        "governance/policy_type_form.html",
        {"form": form, "version": version, "type_key": type_key, **context},
    )


@page
@require_POST
def policy_version_submit(request, pk: int):
    version = policy_version_get(actor=request.user, pk=pk)
    try:
        version = policy_services.policy_version_submit(actor=request.user, version=version)
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Version {version.number} submitted for counsel's approval (hash frozen)."
        )
    return redirect("policy-version", pk=version.pk)


@page
@require_http_methods(["GET", "POST"])
def policy_version_review(request, pk: int):
    require(request.user, Capability.APPROVE_POLICY)
    version = policy_version_get(actor=request.user, pk=pk)
    if version.drafted_by_id == request.user.pk:
        raise PermissionDenied("Nobody approves or rejects a policy version they drafted.")
    error = None
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "approve":
                    policy_services.policy_version_approve(
                        actor=request.user,
                        version=version,
                        statement=data["statement"],
                        effective_from=data["effective_from"],
                    )
                    messages.success(request, f"Version {version.number} approved.")
                else:
                    policy_services.policy_version_reject(
                        actor=request.user, version=version, statement=data["statement"]
                    )
                    messages.success(request, f"Version {version.number} rejected.")
            except ValidationFailed as exc:
                error = exc.message
                form_add_errors(form, exc, fields_only=True)
            except Conflict as exc:
                error = exc.message
            else:
                return redirect("policy-versions")
    else:
        form = DecisionForm()
    in_force, diff = _diff_against_in_force(version.rules)
    return render(
        request,
        "governance/policy_version_review.html",
        {
            "version": version,
            "warnings": _warnings(version.rules),
            "in_force": in_force,
            "diff": diff,
            "may_simulate": version.status in SIMULATED_STATUSES,
            "form": form,
            "error": error,
            "pending": version.status == PolicyStatus.PENDING_APPROVAL,
        },
    )


def _group_diff(changes: list[dict]) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for change in changes:
        groups.setdefault(change["type"] or "(whole policy)", []).append(change)
    return [{"type": key, "changes": items} for key, items in groups.items()]


@page
@require_POST
def policy_draft_check(request):
    """Return the live check of the draft text being typed: its problems, or its changes."""
    document, problems = policy_text_check(actor=request.user, text=request.POST.get("text", ""))
    in_force, diff = (None, []) if problems else _diff_against_in_force(document)
    return render(
        request,
        "governance/_policy_check.html",
        {"problems": problems, "in_force": in_force, "diff": diff},
    )


@page
def policy_in_force(request):
    form = InForceForm(request.GET or None)
    at = timezone.now()
    if form.is_bound and form.is_valid():
        at = form.cleaned_data["at"]
    version = policy_in_force_for(actor=request.user, at=at)
    return render(
        request,
        "governance/policy_in_force.html",
        {
            "form": form,
            "at": at,
            "version": version,
            "rows": rules_by_type(version.rules, catalog_types()) if version else [],
        },
    )


@page
@require_http_methods(["GET", "POST"])
def org_overrides(request):
    organization = own_organization(request.user, Capability.SET_OVERRIDE)
    override = org_override_get(actor=request.user, organization=organization)
    context: dict = {}
    if request.method == "POST":
        form = OverrideForm(request.POST)
        if form.is_valid():
            try:
                policy_services.org_override_set(
                    actor=request.user, organization=organization, text=form.cleaned_data["text"]
                )
            except ValidationFailed as exc:
                context.update(_errors_context(exc))
            except Conflict as exc:
                context["error_message"] = exc.message
            else:
                messages.success(request, "Your organization's overrides are saved.")
                return redirect("org-overrides")
    else:
        text = rules_to_yaml(override.rules) if override and override.rules else ""
        form = OverrideForm(initial={"text": text})
    in_force = policy_version_in_force()
    return render(
        request,
        "governance/org_overrides.html",
        {
            "form": form,
            "organization": organization,
            "override": override,
            "in_force": in_force,
            "rows": rules_by_type(in_force.rules, catalog_types()) if in_force else [],
            **context,
        },
    )
