"""Second factors that django-otp does not hold: passkeys (WebAuthn) and recovery codes.

TOTP devices are django-otp's `TOTPDevice` (django_otp.plugins.otp_totp)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WebAuthnCredential(models.Model):
    """A passkey or security key registered by one user (its public key only)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webauthn_credentials"
    )
    name = models.CharField(max_length=100)
    credential_id = models.CharField(max_length=1024, unique=True)  # base64url
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class RecoveryCode(models.Model):
    """A one-time recovery code; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="one_recovery_code_hash"),
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.user}"


class OidcProvider(models.Model):
    """An organization's OpenID Connect identity provider (single sign-on).

    The client secret is never stored: `client_secret_ref` names where it is read from,
    `env:VARIABLE` or `file:/path/to/secret`."""

    organization = models.OneToOneField(
        "governance.Organization", on_delete=models.CASCADE, related_name="oidc_provider"
    )
    issuer = models.URLField(max_length=500)
    client_id = models.CharField(max_length=200)
    client_secret_ref = models.CharField(max_length=500)
    email_domains = models.JSONField(default=list)
    # Members of the organization must sign in through the provider (no password sign-in).
    mandatory = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organization}: {self.issuer}"
