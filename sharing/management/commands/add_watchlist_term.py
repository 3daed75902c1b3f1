"""Add watchlist terms for one organization, read from stdin so they never reach shell history."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from audit.actors import SYSTEM
from config.errors import ValidationFailed
from governance.models import Organization
from sharing.core.scanning import CATEGORIES
from sharing.services.watchlist import watchlist_term_add


class Command(BaseCommand):
    help = (
        "Add private watchlist terms (one per line on stdin) to an organization's watchlist. "
        "Only keyed hashes are stored; the terms are never written anywhere."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="slug of the member organization")
        parser.add_argument("--category", default="customer", choices=CATEGORIES)

    def handle(self, *args, org: str, category: str, **options):
        organization = Organization.objects.filter(slug=org, is_active=True).first()
        if organization is None:
            raise CommandError(f"No active organization {org!r}.")
        stdin = options.get("stdin") or sys.stdin
        added = 0
        for number, line in enumerate(stdin, start=1):
            term = line.strip()
            if not term:
                continue
            try:
                watchlist_term_add(
                    actor=SYSTEM, organization=organization, term=term, category=category
                )
            except ValidationFailed as exc:
                # Name the line, never the term: the output may end up in logs.
                messages = "; ".join(e["message"] for e in exc.errors)
                raise CommandError(f"line {number}: {messages}") from None
            added += 1
        self.stdout.write(f"{added} term(s) hashed into {organization.slug}'s watchlist.")
