"""What a newcomer meets on `make run`: a quiet seed and a login page that names the demo logins."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command

from governance.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_seeding_the_demo_logs_no_warning(caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--force", stdout=io.StringIO())
    assert [record.getMessage() for record in caplog.records] == []


def test_the_demo_login_page_says_where_the_demo_logins_are(client, settings):
    settings.CLEARROOM_DEMO = True
    page = client.get("/login/").content.decode()
    assert 'data-testid="demo-logins"' in page
    assert DEMO_PASSWORD in page
    assert "<code>northwind-analyst</code>" in page and "<code>regulator</code>" in page


def test_a_real_installation_login_page_names_no_demo_login(client, settings):
    settings.CLEARROOM_DEMO = False
    page = client.get("/login/").content.decode()
    assert DEMO_PASSWORD not in page
    assert "demo-logins" not in page
