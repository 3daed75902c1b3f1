"""Insert many new rows of one model fast: PostgreSQL `COPY`, `bulk_create` elsewhere.

`bulk_create` builds one multi-row INSERT through the ORM, about 100 µs a row of an audit event
here; `COPY` of the same values about 30 µs (benchmarks, docs/performance.md). Values go
through each field's own `pre_save` and `get_db_prep_save`, as in `save()`, so defaults,
`auto_now_add` and JSON encoding are the ORM's. Rows whose auto-increment key is unset get it
from the sequence and are not told it (nobody reads those keys back here). No signals are sent,
as with `bulk_create`.
"""

from __future__ import annotations

from django.db import connection, models


def bulk_insert(model: type[models.Model], objs: list[models.Model]) -> None:
    """Insert `objs` (new instances of `model`) inside the current transaction."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=500)
        return
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField) and objs[0].pk is None)
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # wrap_database_errors: a unique violation surfaces as Django's IntegrityError, as in save().
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        ) as copy,
    ):
        for obj in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
            obj._state.adding = False
            obj._state.db = connection.alias
