"""Bring the indicator-type catalog in the database in line with the reviewed catalog file."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit.actors import SYSTEM
from governance.core import indicator_schema
from governance.services.catalog import indicator_types_sync


class Command(BaseCommand):
    help = (
        "Create or update indicator types from governance/catalog/indicator_types.yaml (or --file);"
        " a change of fields bumps the type's schema_version."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", help="catalog YAML (default: the shipped catalog)")

    def handle(self, *args, file: str | None = None, **options):
        try:
            catalog = indicator_schema.load_catalog(file)
        except (OSError, indicator_schema.CatalogError) as exc:
            raise CommandError(str(exc)) from exc
        for indicator_type in indicator_types_sync(actor=SYSTEM, catalog=catalog):
            self.stdout.write(
                f"{indicator_type.key}: schema v{indicator_type.schema_version} "
                f"({indicator_type.fields_hash[:12]})"
            )
