"""Search forms of the feed and the submission list (GET forms: bad input filters nothing)."""

from __future__ import annotations

from django import forms

from governance.core.policy_language import TLP_ORDER
from sharing.core import lifecycle

TLP_CHOICES = [("", "Any TLP"), *((level, f"TLP:{level}") for level in TLP_ORDER)]


class FeedSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=500,
        label="Search",
        help_text="Text, or a value (e-mail, IP, domain, fingerprint): found in the form "
        "you may see.",
    )
    type = forms.ChoiceField(required=False, label="Type")
    tlp = forms.ChoiceField(required=False, label="TLP", choices=TLP_CHOICES)
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, types, **kwargs):
        super().__init__(data, auto_id="f-%s", **kwargs)
        self.fields["type"].choices = [("", "All types"), *((t.key, t.name) for t in types)]

    def filters(self) -> dict:
        """Return the valid filters (an invalid field is left out, not an error page)."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "") and k != "sort"}


class SubmissionSearchForm(FeedSearchForm):
    state = forms.ChoiceField(
        required=False, label="State", choices=[("", "All states"), *lifecycle.STATES]
    )
    field_order = ["q", "type", "state", "tlp", "date_from", "date_to", "sort"]
