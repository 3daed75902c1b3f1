"""Celery tasks of the transparency app: compute the report ahead of the first reader."""

from celery import shared_task

from transparency.selectors.report import report_checkpoint, transparency_report


@shared_task(acks_late=True)
def transparency_report_task() -> int | None:
    """Compute and cache the report at the latest checkpoint; return its size, or None.

    With a shared cache (`CACHE_URL`) every web process then serves it without reading the log.
    Idempotent: a report already cached for that checkpoint is not recomputed.
    """
    if report_checkpoint() is None:
        return None
    return transparency_report()["report"]["checkpoint"]["size"]
