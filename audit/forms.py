"""Forms of the audit pages: browser filters, export requests and cosignature uploads."""

from __future__ import annotations

from django import forms

from audit.actions import ALL_ACTIONS


class EventFilterForm(forms.Form):
    since = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    until = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    action = forms.ChoiceField(
        required=False, choices=[("", "any action")] + [(a, a) for a in sorted(ALL_ACTIONS)]
    )
    organization = forms.ChoiceField(required=False, label="Organization")
    actor = forms.ChoiceField(required=False, label="Actor")
    object_type = forms.CharField(required=False, max_length=64)
    object_id = forms.CharField(required=False, max_length=64)
    before = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, data=None, *, organizations=(), people=(), **kwargs):
        """Offer organizations and users by display name (the log stores slugs, usernames)."""
        super().__init__(data, **kwargs)
        self.fields["organization"].choices = [("", "any organization"), *organizations]
        self.fields["actor"].choices = [("", "anyone"), ("system", "Clearroom (system)"), *people]


class ExportRequestForm(forms.Form):
    from_seq = forms.IntegerField(
        required=False, min_value=0, label="From seq", help_text="Empty: from the first event."
    )
    to_seq = forms.IntegerField(
        required=False, min_value=0, label="To seq", help_text="Empty: up to the latest event."
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("from_seq"), data.get("to_seq")
        if start is not None and end is not None and start > end:
            self.add_error("to_seq", "Must not be before the first seq.")
        return data


class CosignatureForm(forms.Form):
    checkpoint_size = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    verifier_key = forms.CharField(
        max_length=500,
        label="Your cosigner verifier key",
        help_text="name+keyid+base64 key, type 0x04 (cosignature/v1).",
    )
    cosignature = forms.CharField(
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your signature line (— name base64), or the whole cosigned checkpoint.",
    )
