"""The whole OpenAPI schema generates without a warning, so every endpoint is documented."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings_and_covers_every_api_area():
    out = io.StringIO()
    call_command("spectacular", "--fail-on-warn", "--validate", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    paths = set(schema["paths"])
    for expected in (
        "/api/v1/submissions/",
        "/api/v1/indicators/",
        "/api/v1/indicators/export.stix",
        "/api/v1/review-tasks/",
        "/api/v1/policy-versions/",
        "/api/v1/audit/events/",
        "/api/v1/statistics/",
        "/api/v1/correlation/campaigns/",
    ):
        assert expected in paths, expected
