"""The per-type rule form: the policy language's keys of one indicator type as form fields.

The form reads a rule and writes a rule; the draft's YAML is the same document, so editing
either shows in the other. Keys the form does not know are kept as they are.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms

from governance.core.policy_language import (
    ALL_MEMBERS,
    PAP_ORDER,
    REVIEW_STAGES,
    SECRETARIAT_ONLY,
    SENSITIVITIES,
    TLP_ORDER,
)

SENSITIVITY_CLASSES = SENSITIVITIES
_AUDIENCE_LISTED = "listed"
_ACTION_HELP = (
    "keep, drop, mask:N, pseudonymize, generalize:ipv4/N, generalize:ipv6/N, "
    "generalize:hour|day|week, generalize:log10, scrub"
)


class TypeRuleForm(forms.Form):
    share = forms.BooleanField(required=False, label="Shared")
    audience = forms.ChoiceField(
        label="Audience",
        choices=[
            (ALL_MEMBERS, "All member labs"),
            (SECRETARIAT_ONLY, "Secretariat only"),
            (_AUDIENCE_LISTED, "The labs ticked below"),
        ],
    )
    audience_orgs = forms.MultipleChoiceField(
        required=False, label="Labs", widget=forms.CheckboxSelectMultiple
    )
    tlp = forms.ChoiceField(label="TLP", choices=[(t, f"TLP:{t}") for t in TLP_ORDER])
    pap = forms.ChoiceField(label="PAP", choices=[(p, f"PAP:{p}") for p in PAP_ORDER])
    anonymize_contributor = forms.BooleanField(required=False, label="Hide the contributor")
    review = forms.MultipleChoiceField(
        required=False,
        label="Review stages",
        choices=[(s, s) for s in REVIEW_STAGES],
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: structured data auto-publishes; free text still goes to review.",
    )
    retention_days = forms.IntegerField(label="Retention (days)", min_value=1, max_value=3650)

    def __init__(self, data=None, *, rule: dict, field_specs: list[dict], orgs, **kwargs):
        self.rule = copy.deepcopy(rule)
        self.field_specs = field_specs
        super().__init__(data, initial=self._initial(), auto_id="rule-%s", **kwargs)
        self.fields["audience_orgs"].choices = list(orgs)
        for name in SENSITIVITY_CLASSES:
            self.fields[f"sens_{name}"] = forms.CharField(
                required=False, label=f"{name.capitalize()} fields", help_text=_ACTION_HELP
            )
        for spec in field_specs:
            self.fields[f"field_{spec['name']}"] = forms.CharField(
                required=False,
                label=spec.get("label") or spec["name"],
                help_text=f"{spec['name']} ({spec.get('datatype')}, "
                f"{spec.get('sensitivity')}); empty: by sensitivity",
            )
        if data is None:
            for name, value in self._action_initial().items():
                self.initial[name] = value

    def _initial(self) -> dict[str, Any]:
        rule = self.rule
        audience = rule.get("audience", ALL_MEMBERS)
        return {
            "share": rule.get("share", False),
            "audience": audience if isinstance(audience, str) else _AUDIENCE_LISTED,
            "audience_orgs": audience if isinstance(audience, list) else [],
            "tlp": rule.get("tlp"),
            "pap": rule.get("pap"),
            "anonymize_contributor": rule.get("anonymize_contributor", False),
            "review": rule.get("review", []),
            "retention_days": rule.get("retention_days"),
        }

    def _action_initial(self) -> dict[str, str]:
        by_sensitivity = self.rule.get("by_sensitivity") or {}
        fields = self.rule.get("fields") or {}
        found = {f"sens_{k}": by_sensitivity.get(k, "") for k in SENSITIVITY_CLASSES}
        found.update({f"field_{s['name']}": fields.get(s["name"], "") for s in self.field_specs})
        return found

    def rule_value(self) -> dict[str, Any]:
        """Return the rule the valid form describes, keeping keys it does not edit."""
        data = self.cleaned_data
        rule = self.rule
        rule["share"] = data["share"]
        rule["audience"] = (
            list(data["audience_orgs"])
            if data["audience"] == _AUDIENCE_LISTED
            else data["audience"]
        )
        rule["tlp"], rule["pap"] = data["tlp"], data["pap"]
        rule["anonymize_contributor"] = data["anonymize_contributor"]
        # Stage order is the language's order (origin before forum), whatever was ticked first.
        rule["review"] = [s for s in REVIEW_STAGES if s in data["review"]]
        rule["retention_days"] = data["retention_days"]
        by_sensitivity = {
            k: data[f"sens_{k}"].strip() for k in SENSITIVITY_CLASSES if data[f"sens_{k}"].strip()
        }
        known = {s["name"] for s in self.field_specs}
        fields = {k: v for k, v in (rule.get("fields") or {}).items() if k not in known}
        fields.update(
            {
                s["name"]: data[f"field_{s['name']}"].strip()
                for s in self.field_specs
                if data[f"field_{s['name']}"].strip()
            }
        )
        for key, value in (("by_sensitivity", by_sensitivity), ("fields", fields)):
            if value:
                rule[key] = value
            else:
                rule.pop(key, None)
        return rule
