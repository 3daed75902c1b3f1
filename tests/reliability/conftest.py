"""Reliability fixtures: the world of the security suite, a broker that is down."""

from __future__ import annotations

import contextlib

import pytest

from tests.governance.conftest import catalog  # noqa: F401  (fixture)
from tests.security.conftest import _exports_in_tmp, world  # noqa: F401

# Nothing listens here: every connection to this broker is refused at once.
DEAD_BROKER = "redis://127.0.0.1:6390/0"


@contextlib.contextmanager
def broker_down():
    """Point the Celery app at a closed port with real (not eager) sending; restore after."""
    from config.celery import app
    from tests.celery_helpers import _reset_pool

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


@pytest.fixture
def dead_broker():
    with broker_down() as app:
        yield app
