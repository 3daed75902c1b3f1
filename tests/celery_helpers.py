"""Run a real Celery worker on Redis inside a test (celery.contrib.testing)."""

from __future__ import annotations

import contextlib
import os

from celery.contrib.testing.worker import start_worker
from kombu import pools

from config.celery import app

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


def _reset_pool() -> None:
    # Connection and producer pools (the app's and kombu's registry) are bound to the broker
    # URL they were created with; drop them all so the next send connects to the URL now
    # configured, and a second worker in the same session does not find a closed pool.
    if app._pool is not None:
        app._pool.force_close_all()
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def redis_worker():
    """Point the app at the Redis broker, start an in-process worker, and restore after."""
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    _reset_pool()
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            yield app
    finally:
        app.conf.update(saved)
        _reset_pool()


# Nothing listens here: every connection to this broker is refused at once.
DEAD_BROKER = "redis://127.0.0.1:6390/0"


@contextlib.contextmanager
def broker_down():
    """Point the Celery app at a closed port with real (not eager) sending; restore after."""
    saved = {
        k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_publish_retry_policy")
    }
    app.conf.update(
        broker_url=DEAD_BROKER,
        task_always_eager=False,
        # Give up quickly: the default policy retries for about a second.
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1},
    )
    _reset_pool()
    try:
        yield app
    finally:
        app.conf.update(saved)
        _reset_pool()
