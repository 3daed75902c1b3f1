"""Print the code a demo user's authenticator app shows now (demo only)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from identity.demo import current_code


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo user (its secret is public)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        code = current_code(user) if user is not None else None
        if code is None:
            raise CommandError(f"{username} has no demo authenticator (run seed_demo first).")
        self.stdout.write(code)
