"""Sign a checkpoint of the audit log when events arrived since the last one."""

from django.core.management.base import BaseCommand

from audit.services.checkpoints import audit_checkpoint_create


class Command(BaseCommand):
    help = "Sign a C2SP checkpoint of the audit log head (only when there are new events)."

    def handle(self, *args, **options):
        checkpoint = audit_checkpoint_create()
        if checkpoint is None:
            self.stdout.write("No new events since the last checkpoint.")
            return
        self.stdout.write(checkpoint.note, ending="")
        self.stdout.write(self.style.SUCCESS(f"Checkpoint of size {checkpoint.size} signed."))
