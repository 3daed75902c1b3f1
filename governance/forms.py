"""Forms of the governance pages: input shapes only; the services decide."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator
from django.urls import reverse_lazy

from governance.core import token_rules

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PolicyDraftForm(forms.Form):
    text = forms.CharField(
        label="Rules (YAML)",
        strip=False,
        widget=forms.Textarea(
            attrs={
                "class": "code",
                "spellcheck": "false",
                "rows": 30,
                # Live check (htmx, no inline script): the text is posted as the drafter types.
                "hx-post": reverse_lazy("policy-draft-check"),
                "hx-trigger": "load, input changed delay:500ms",
                "hx-target": "#policy-check",
                "hx-swap": "innerHTML",
            }
        ),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    statement = forms.CharField(
        label="Statement",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Your reasoning, recorded with the decision and in the audit log.",
    )
    effective_from = forms.DateTimeField(
        label="In force from (UTC, approval only)",
        required=False,
        widget=DATETIME_LOCAL,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text="Leave empty to put the version in force now.",
    )


class InForceForm(forms.Form):
    at = forms.DateTimeField(
        label="At (UTC)",
        widget=DATETIME_LOCAL,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


class OverrideForm(forms.Form):
    text = forms.CharField(
        label="Your organization's stricter rules (YAML: type key → rule keys)",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"class": "code", "spellcheck": "false", "rows": 16}),
    )


class ApiTokenForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, label="For user")
    name = forms.CharField(max_length=100, label="Name")
    scopes = forms.MultipleChoiceField(
        choices=[
            (token_rules.READ, "read: read what the user may see"),
            (token_rules.SUBMIT, "submit: submit, withdraw, review and draft as the user"),
            (token_rules.AUDIT_READ, "audit:read: read the audit log (audit readers only)"),
        ],
        initial=list(token_rules.DEFAULT_SCOPES),
        widget=forms.CheckboxSelectMultiple,
        label="Scopes",
    )
    days = forms.IntegerField(
        required=False,
        min_value=1,
        initial=token_rules.DEFAULT_LIFETIME_DAYS,
        label="Expires after (days)",
    )
    allowed_networks = forms.CharField(
        required=False,
        label="Only from these networks (CIDR, one per line; empty: any address)",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )

    def __init__(self, *args, members=None, max_days: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members
        if max_days is not None:
            self.fields["days"].max_value = max_days
            self.fields["days"].widget.attrs["max"] = max_days
            self.fields["days"].validators.append(MaxValueValidator(max_days))
            self.fields["days"].initial = min(token_rules.DEFAULT_LIFETIME_DAYS, max_days)


class TokenPolicyForm(forms.Form):
    max_days = forms.IntegerField(
        min_value=1, max_value=3650, label="Longest token lifetime allowed (days)"
    )
