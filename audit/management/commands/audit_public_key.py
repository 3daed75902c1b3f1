"""Write the forum's verifier key text, the `--key` file regulators give the verifier."""

from pathlib import Path

from django.core.management.base import BaseCommand

from audit.keys import verifier_key_text


class Command(BaseCommand):
    help = "Write the audit verifier key (<name>+<key id>+<key>) to a file or stdout."

    def add_arguments(self, parser):
        parser.add_argument("--out", help="File to write (default: print it).")

    def handle(self, *args, out=None, **options):
        text = verifier_key_text() + "\n"
        if out:
            Path(out).write_text(text)
            self.stdout.write(self.style.SUCCESS(f"Verifier key written to {out}"))
        else:
            self.stdout.write(text, ending="")
