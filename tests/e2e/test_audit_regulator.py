"""The demo regulator browses and filters the audit log, exports it and verifies the download."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect

from governance.demo import DEMO_PASSWORD
from tests.audit.helpers import readme_commands
from tests.e2e.conftest import login, nav_to

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.CLEARROOM_EXPORT_DIR = tmp_path / "exports"


def test_regulator_browses_filters_exports_and_verifies_offline(demo, live_server, page, tmp_path):
    login(page, live_server, "regulator", DEMO_PASSWORD)
    nav_to(page, "Audit log")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    rows = page.get_by_test_id("audit-event")
    expect(rows.first).to_be_visible()

    page.select_option("#id_action", "membership.created")
    page.get_by_role("button", name="Filter").click()
    expect(rows.first).to_contain_text("membership.created")
    for text in rows.all_inner_texts():
        assert "membership.created" in text

    nav_to(page, "Checkpoints")
    expect(page.get_by_test_id("verifier-key")).to_be_visible()
    with page.expect_download() as key_download:
        page.get_by_test_id("public-key-download").click()
    key_file = tmp_path / "forum.pub"
    key_download.value.save_as(key_file)

    nav_to(page, "Exports")
    page.get_by_role("button", name="Request export").click()
    expect(page.get_by_text("requested; it is being built")).to_be_visible()
    newest = page.get_by_test_id("export-row").first
    expect(newest.get_by_test_id("export-status")).to_have_text("Complete", timeout=30_000)
    with page.expect_download() as bundle_download:
        newest.get_by_test_id("export-download").click()
    bundle = tmp_path / bundle_download.value.suggested_filename
    bundle_download.value.save_as(bundle)

    # From the download folder, with the verifier the bundle ships, as its README says.
    unpack, verify = readme_commands(bundle, key_file.name)
    subprocess.run(unpack, cwd=tmp_path, check=True, capture_output=True)
    result = subprocess.run(verify, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:")


def test_analyst_is_refused_the_audit_log(demo, live_server, page):
    login(page, live_server, "northwind-analyst", DEMO_PASSWORD)
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    response = page.goto(f"{live_server.url}/audit/")
    assert response.status == 403
