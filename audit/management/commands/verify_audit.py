"""Check the live audit log: leaves, chain, head, checkpoint signatures and Merkle roots."""

from django.core.management.base import BaseCommand, CommandError

from audit.integrity import IntegrityError, check_database


class Command(BaseCommand):
    help = "Verify the audit log in the database; exit non-zero at the first bad seq."

    def handle(self, *args, **options):
        try:
            report = check_database()
        except IntegrityError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: {report.size} events, root {report.root}, "
                f"{report.checkpoints} checkpoints, {report.cosignatures} cosignatures verified"
            )
        )
