"""Forms of the identity pages: input shapes only; the services decide."""

from __future__ import annotations

from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=32,
        label="Code from your authenticator app, or a recovery code",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class TotpConfirmForm(forms.Form):
    device = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(
        max_length=8,
        label="The 6-digit code the app shows now",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class OrganizationSecondFactorForm(forms.Form):
    required = forms.BooleanField(
        required=False, label="Every member of the organization signs in with a second factor"
    )
