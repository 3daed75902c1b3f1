"""Writes on the indicator-type catalog: sync the database with the reviewed catalog file."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from audit import actions
from audit.actors import Actor
from audit.services.log import audit_record
from governance.core import indicator_schema
from governance.models import IndicatorType
from governance.permissions import require
from governance.roles import Capability

BASELINE_POLICY_PATH = indicator_schema.CATALOG_PATH.parent / "baseline_policy.yaml"
_DESCRIPTIVE_KEYS = ("name", "description", "category", "legitimate_interest", "stix_pattern")


@transaction.atomic
def indicator_types_sync(
    *, actor, catalog: list[dict[str, Any]] | None = None
) -> list[IndicatorType]:
    """Create or update the indicator types from the catalog file; return the catalog's types.

    A change of the fields' schema-relevant keys bumps `schema_version`, which makes every policy
    version approved for the old schema stop covering the type (no silent drift). A type that
    left the catalog is deactivated, never deleted: past submissions still refer to it.
    """
    if not isinstance(actor, Actor):
        # People sync only as counsel; management commands and the demo act as the system.
        require(actor, Capability.APPROVE_POLICY)
    entries = catalog if catalog is not None else indicator_schema.load_catalog()
    problems = indicator_schema.check_catalog(entries)
    if problems:
        raise indicator_schema.CatalogError(problems)
    existing = {t.key: t for t in IndicatorType.objects.select_for_update()}
    result: list[IndicatorType] = []
    for entry in entries:
        values = {k: entry.get(k) or "" for k in _DESCRIPTIVE_KEYS}
        values["description"] = values["description"].strip()
        values["legitimate_interest"] = values["legitimate_interest"].strip()
        fields = entry["fields"]
        digest = indicator_schema.fields_hash(fields)
        current = existing.get(entry["key"])
        if current is None:
            current = IndicatorType.objects.create(
                key=entry["key"], fields=fields, fields_hash=digest, schema_version=1, **values
            )
            _audit(actor, current, created=True, changed=sorted(values) + ["fields"])
            result.append(current)
            continue
        changed = [k for k, v in values.items() if getattr(current, k) != v]
        if current.fields != fields:
            changed.append("fields")
        schema_changed = current.fields_hash != digest
        if changed or not current.is_active:
            updates: dict[str, Any] = {**values, "fields": fields, "is_active": True}
            if schema_changed:
                updates["fields_hash"] = digest
                updates["schema_version"] = current.schema_version + 1
            IndicatorType.objects.filter(pk=current.pk).update(**updates)
            current.refresh_from_db()
            _audit(
                actor,
                current,
                created=False,
                changed=changed or ["is_active"],
                schema_changed=schema_changed,
            )
        result.append(current)
    keys = {entry["key"] for entry in entries}
    for key, gone in existing.items():
        if key not in keys and gone.is_active:
            IndicatorType.objects.filter(pk=gone.pk).update(is_active=False)
            gone.refresh_from_db()
            _audit(actor, gone, created=False, changed=["is_active"])
    return result


def _audit(
    actor, indicator_type: IndicatorType, *, created: bool, changed: list[str], schema_changed=False
) -> None:
    audit_record(
        actor=actor,
        action=actions.INDICATOR_TYPE_CHANGED,
        obj=indicator_type,
        data={
            "key": indicator_type.key,
            "created": created,
            "changed": changed,
            "schema_changed": schema_changed,
            "schema_version": indicator_type.schema_version,
            "fields_hash": indicator_type.fields_hash,
            "is_active": indicator_type.is_active,
        },
    )
