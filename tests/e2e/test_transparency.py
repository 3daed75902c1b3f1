"""An anonymous visitor reads the public transparency report, its charts, JSON and PDF."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from audit import keys
from audit.core.report_verify import check_signature

pytestmark = pytest.mark.browser


def test_anonymous_visitor_reads_the_report_and_downloads_json_and_pdf(
    demo, live_server, page, tmp_path
):
    page.goto(f"{live_server.url}/login/")
    page.get_by_test_id("transparency-link").get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/transparency/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Transparency report")
    # Charts are server-rendered SVG with a bar per indicator type.
    chart = page.get_by_test_id("chart").first
    expect(chart.locator("svg rect").first).to_be_visible()
    expect(page.get_by_test_id("submissions-table")).to_contain_text("account-cluster")
    # The demo has types fewer than the policy's minimum of members contributed to.
    expect(page.get_by_test_id("withheld").first).to_contain_text("Fewer than")
    expect(page.get_by_test_id("members")).to_contain_text("Northwind AI")
    expect(page.get_by_test_id("checkpoint-cited")).to_contain_text("events of")

    with page.expect_download() as download_info:
        page.get_by_test_id("download-json").click()
    path = tmp_path / "report.json"
    download_info.value.save_as(path)
    document = check_signature(json.loads(path.read_text()), keys.verifier())
    assert document["figures"]["since_start"]["submissions"]["by_type"]

    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    pdf = tmp_path / "report.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    # A quarter's own page, from the period links.
    quarter = document["figures"]["quarters"][-1]["quarter"]
    page.get_by_role("navigation", name="Periods").get_by_role("link", name=quarter).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(quarter)
