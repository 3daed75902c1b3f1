"""Create a draft policy version from a YAML rules file, as a given user."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from governance.services.policy import policy_version_draft_create


class Command(BaseCommand):
    help = "Create a draft policy version from FILE.yaml, drafted by --user (policy as code)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="YAML rules document")
        parser.add_argument(
            "--user", required=True, help="username of the member admin or counsel drafting it"
        )

    def handle(self, *args, file: str, user: str, **options):
        drafter = get_user_model().objects.filter(username=user, is_active=True).first()
        if drafter is None:
            raise CommandError(f"No active user {user!r}.")
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            version = policy_version_draft_create(actor=drafter, text=text)
        except ApplicationError as exc:
            details = "\n".join(f"  {e['field']}: {e['message']}" for e in exc.errors)
            raise CommandError(f"{exc.message}\n{details}".rstrip()) from exc
        self.stdout.write(
            f"Draft v{version.number} created by {drafter.username}, "
            f"content hash {version.content_hash}."
        )
