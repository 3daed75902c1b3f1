"""Register the demo's local identity provider as Meridian Systems' single sign-on (demo only).

`make run` runs this after starting scripts/demo_sso.py; Meridian's member admin registers it
through the same service a member admin's settings page uses (audited)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from config.errors import ValidationFailed
from governance.models import Organization
from identity.models import OidcProvider
from identity.services.sso import oidc_provider_set

ORGANIZATION = "meridian"
CLIENT_ID = "clearroom-demo"


class Command(BaseCommand):
    help = "Register the demo's local OpenID Connect provider for Meridian Systems."

    def add_arguments(self, parser):
        parser.add_argument("issuer", help="e.g. http://127.0.0.1:8001/o")
        parser.add_argument("secret_file", help="the file holding the demo client's secret")

    def handle(self, *args, issuer: str, secret_file: str, **options):
        if not settings.CLEARROOM_DEMO:
            raise CommandError("demo_sso configures the demo installation only (CLEARROOM_DEMO).")
        organization = Organization.objects.filter(slug=ORGANIZATION).first()
        admin = get_user_model().objects.filter(username=f"{ORGANIZATION}-admin").first()
        if organization is None or admin is None:
            raise CommandError("Seed the demo first (manage.py seed_demo).")
        current = OidcProvider.objects.filter(organization=organization).first()
        if current is not None and current.issuer == issuer.rstrip("/"):
            self.stdout.write(f"single sign-on for {organization.name}: {current.issuer}")
            return
        try:
            provider = oidc_provider_set(
                actor=admin,
                organization=organization,
                issuer=issuer,
                client_id=CLIENT_ID,
                client_secret_ref=f"file:{Path(secret_file).resolve()}",
                email_domains=f"{ORGANIZATION}.demo.invalid",
                mandatory=False,
            )
        except ValidationFailed as exc:
            raise CommandError(f"cannot register the demo provider: {exc}") from exc
        self.stdout.write(f"single sign-on for {organization.name}: {provider.issuer}")
