"""Reliability fixtures: the world of the security suite, a broker that is down."""

from __future__ import annotations

import pytest

from tests.celery_helpers import broker_down
from tests.governance.conftest import catalog  # noqa: F401  (fixture)
from tests.security.conftest import _exports_in_tmp, world  # noqa: F401


@pytest.fixture
def dead_broker():
    with broker_down() as app:
        yield app
