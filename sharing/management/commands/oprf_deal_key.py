"""Deal a new OPRF pseudonym key: a random key split t-of-n into share-holder files."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sharing.keys import deal_shares


class Command(BaseCommand):
    help = (
        "Deal OPRF key KEY_ID into <CLEARROOM_PSEUDONYM_KEY_DIR>/<KEY_ID>/: one .share file per "
        "holder (move each to its holder) and one .credential file per holder (the forum keeps "
        "these). The whole key exists only in this command's memory."
    )

    def add_arguments(self, parser):
        parser.add_argument("key_id")
        parser.add_argument("--threshold", type=int, default=settings.CLEARROOM_OPRF_THRESHOLD)
        parser.add_argument(
            "--holders",
            default=",".join(settings.CLEARROOM_OPRF_HOLDERS),
            help="comma-separated holder names",
        )

    def handle(self, *args, key_id: str, threshold: int, holders: str, **options):
        names = [name.strip() for name in holders.split(",") if name.strip()]
        folder = settings.CLEARROOM_PSEUDONYM_KEY_DIR / key_id
        if folder.exists():
            raise CommandError(f"{folder} exists already; a key id is dealt once.")
        if len(set(names)) != len(names) or not 1 <= threshold <= len(names):
            raise CommandError("need distinct holder names and 1 <= threshold <= holders")
        deal_shares(folder, key_id=key_id, threshold=threshold, holders=names)
        self.stdout.write(f"OPRF key {key_id} dealt {threshold} of {len(names)} into {folder}")
