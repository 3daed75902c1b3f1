"""Forms of the identity pages: input shapes only; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


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


class SsoStartForm(forms.Form):
    email = forms.EmailField(label="Your work e-mail address")


class OidcProviderForm(forms.Form):
    issuer = forms.CharField(max_length=500, label="Issuer URL")
    client_id = forms.CharField(max_length=200, label="Client id")
    client_secret_ref = forms.CharField(
        max_length=500,
        label="Where the client secret is (env:VARIABLE or file:/path; never the secret itself)",
    )
    email_domains = forms.CharField(
        label="E-mail domains it vouches for (one per line)",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )
    mandatory = forms.BooleanField(
        required=False, label="Members must sign in through this provider (no passwords)"
    )


class PasswordLoginForm(AuthenticationForm):
    """Django's login form, refusing members whose organization makes single sign-on
    mandatory."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        from identity.selectors.sso import sso_mandatory_for

        if sso_mandatory_for(user):
            raise forms.ValidationError(
                "Your organization signs in through its identity provider: use "
                "“Sign in with your organization”.",
                code="sso_required",
            )
