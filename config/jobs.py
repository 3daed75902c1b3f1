"""The one seam for background work: services enqueue Celery tasks by name, after commit.

Services never import task modules (the task modules import the services), so dependencies run
one way: interface → service. A task is named as Celery registers it (`<module>.<function>`,
the names the beat schedule uses too) and takes keyword arguments.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError

from config.celery import app

logger = logging.getLogger(__name__)

BrokerDown = Callable[[OperationalError], None]


def enqueue_on_commit(
    task_name: str, *, on_broker_down: BrokerDown | None = None, **kwargs: Any
) -> None:
    """Send the task `task_name` with `kwargs` once the current transaction commits.

    When the broker cannot take it, `on_broker_down(error)` is the caller's fallback (finish the
    work as failed, or do it in this process). Without one the failure is logged and the work is
    left to the job that catches up (e.g. `notifications_catch_up`); the commit stands either way.
    """
    send = functools.partial(_send, task_name, kwargs, on_broker_down)
    # Without a fallback nothing the task does may undo the caller's response (robust=True logs
    # it); with one, only a broker outage is handled and anything else surfaces.
    transaction.on_commit(send, robust=on_broker_down is None)


def _send(task_name: str, kwargs: dict[str, Any], on_broker_down: BrokerDown | None) -> None:
    try:
        _signature(task_name, kwargs).apply_async()
    except OperationalError as exc:
        if on_broker_down is None:
            logger.exception("task %s could not be queued", task_name)
            return
        logger.warning("task %s could not be queued (%s); using its fallback", task_name, exc)
        on_broker_down(exc)


def _signature(task_name: str, kwargs: dict[str, Any]):
    """Return the task's signature; in eager mode (the demo) make sure the task is registered.

    A signature of a registered task honours `task_always_eager` (it runs in this process); one
    of an unknown name is sent to the broker by name, which is what a web process with a worker
    elsewhere needs and what eager mode cannot do.
    """
    if app.conf.task_always_eager and task_name not in app.tasks:
        app.loader.import_default_modules()  # runs the autodiscovery of every app's tasks
        if task_name not in app.tasks:
            raise LookupError(f"no Celery task is registered as {task_name!r}")
    return app.signature(task_name, kwargs=kwargs)
