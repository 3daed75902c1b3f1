"""Audit test fixtures: exports under a temporary directory, fast password hashing."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_hashing_and_export_dir(settings, tmp_path):
    # PBKDF2 costs most of the time of creating the ten fixture users; tests do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CLEARROOM_EXPORT_DIR = tmp_path / "exports"
    return settings.CLEARROOM_EXPORT_DIR


@pytest.fixture(autouse=True)
def _fresh_producer_pool(request):
    """Drop Celery's cached producer pool around tests that run a real worker.

    `tests.celery_helpers.redis_worker` closes the connection pool on exit, but kombu's pool
    registry and `app.amqp` keep producer pools bound to it, so a second worker in the same
    session would fail with "Acquire on closed pool".
    """
    if request.node.get_closest_marker("celery_worker") is None:
        yield
        return
    from kombu import pools

    from config.celery import app

    def reset() -> None:
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    reset()
    yield
    reset()
