"""Write the rules of the policy version in force as YAML."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from governance.core.formatting import rules_to_yaml
from governance.selectors.policy import policy_version_in_force


class Command(BaseCommand):
    help = "Write the policy version in force (or in force --at a time) as YAML (policy as code)."

    def add_arguments(self, parser):
        parser.add_argument("--out", help="file to write (default: standard output)")
        parser.add_argument("--at", help="ISO 8601 date-time (default: now)")

    def handle(self, *args, out: str | None = None, at: str | None = None, **options):
        when = None
        if at:
            when = parse_datetime(at)
            if when is None or when.tzinfo is None:
                raise CommandError(f"--at must be an ISO 8601 date-time with a zone, not {at!r}.")
        version = policy_version_in_force(at=when)
        if version is None:
            raise CommandError("No policy version is in force.")
        header = (
            f"# {version.policy.name} v{version.number}, approved by "
            f"{version.decided_by.username if version.decided_by else '?'}\n"
            f"# approved hash {version.approved_hash}\n"
        )
        text = rules_to_yaml(version.rules, header=header)
        if out:
            Path(out).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote v{version.number} ({version.content_hash}) to {out}.")
        else:
            self.stdout.write(text, ending="")
