"""Seed the demo: organizations, users, catalog, policy and sample data (idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from governance.navigation_registry import NAV_APPS, app_module


class Command(BaseCommand):
    help = "Create the demo organizations, users and data. Demo passwords are public: demo only."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though DEBUG is off (never in production).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to seed demo users with public passwords while DEBUG is off. "
                "Use --force only on a throw-away installation."
            )
        # Each app seeds its own demo data in `<app>/demo.py`, governance first.
        for app in ("governance", *[a for a in NAV_APPS if a != "governance"]):
            module = app_module(app, "demo")
            if module is not None:
                module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
