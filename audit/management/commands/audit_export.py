"""Build an audit export bundle from the command line (the system acts; no regulator state)."""

import shutil

from django.core.management.base import BaseCommand, CommandError

from audit.actors import SYSTEM
from audit.services.exports import audit_export_cli
from config.errors import ApplicationError


class Command(BaseCommand):
    help = "Export the audit log (or a seq range) as a bundle `python -m audit.core.verify` checks."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="Path of the bundle zip to write.")
        parser.add_argument("--from-seq", type=int, default=None)
        parser.add_argument("--to-seq", type=int, default=None)

    def handle(self, *args, out, from_seq=None, to_seq=None, **options):
        try:
            export = audit_export_cli(actor=SYSTEM, from_seq=from_seq, to_seq=to_seq)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.errors or ''}".strip()) from exc
        if export.status != "complete":
            raise CommandError(f"export failed: {export.error}")
        shutil.copyfile(export.file_path, out)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {out}: seq {export.from_seq or 0}..{export.checkpoint_size - 1}, "
                f"sha256 {export.sha256}"
            )
        )
