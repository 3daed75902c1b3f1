"""Reliability fixtures: the world of the security suite, a broker that is down."""

from __future__ import annotations

import pytest

from tests.celery_helpers import broker_down


@pytest.fixture(autouse=True)
def _exports_in_tmp(export_dir):
    return export_dir


@pytest.fixture
def dead_broker():
    with broker_down() as app:
        yield app
