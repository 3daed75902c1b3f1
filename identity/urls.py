"""Pages of a user's second factors (under /account/second-factor/) and the organization's
sign-in requirement (/org/security/)."""

from django.urls import path

from identity.views import organization, passkeys, second_factor, sso

app_name = "identity"

urlpatterns = [
    path("account/second-factor/", second_factor.factors, name="factors"),
    path("account/second-factor/verify/", second_factor.verify, name="verify"),
    path("account/second-factor/totp/", second_factor.totp_start, name="totp-start"),
    path("account/second-factor/totp/confirm/", second_factor.totp_confirm, name="totp-confirm"),
    path(
        "account/second-factor/recovery-codes/",
        second_factor.recovery_codes,
        name="recovery-codes",
    ),
    path(
        "account/second-factor/<str:method>/<int:pk>/remove/",
        second_factor.remove,
        name="remove",
    ),
    path(
        "account/second-factor/passkeys/register/options/",
        passkeys.register_options,
        name="passkey-register-options",
    ),
    path(
        "account/second-factor/passkeys/register/",
        passkeys.register,
        name="passkey-register",
    ),
    path(
        "account/second-factor/passkeys/authenticate/options/",
        passkeys.authenticate_options,
        name="passkey-authenticate-options",
    ),
    path(
        "account/second-factor/passkeys/authenticate/",
        passkeys.authenticate,
        name="passkey-authenticate",
    ),
    path("org/security/", organization.security, name="org-security"),
    path("org/sso/", sso.organization_sso, name="org-sso"),
    path("login/sso/", sso.sso_start, name="sso-start"),
    path("login/sso/callback/", sso.sso_callback, name="sso-callback"),
]
