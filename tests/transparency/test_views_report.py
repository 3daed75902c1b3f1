"""The public transparency report: anyone reads it, signed, citing a checkpoint the forum signed."""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse

from audit import keys
from audit.core.report_verify import check_signature
from audit.services.checkpoints import audit_checkpoint_create
from transparency.selectors.report import min_contributors

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_reads_the_report_with_charts_and_tables(client, shared_log):
    response = client.get(reverse("transparency:report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'data-testid="chart"' in html
    assert 'data-testid="submissions-table"' in html
    assert "proxy-service" in html
    # Acme alone submitted account clusters: withheld, with the reason; no figure names a
    # member (members are named only in the public membership list).
    assert "Withheld: Fewer than 3 members" in html
    figures = html.split("<h2>Submissions</h2>", 1)[1].split("<h2>Oversight", 1)[0].lower()
    for name in ("acme", "globex", "initech"):
        assert name not in figures
    assert "Globex Labs" in html.split('data-testid="members"', 1)[1]


def test_signed_json_verifies_with_the_forum_key_and_cites_a_signed_checkpoint(client, shared_log):
    _, second = shared_log
    signed = client.get(reverse("transparency:report_json")).json()
    document = check_signature(signed, keys.verifier())
    assert document["checkpoint"] == {
        "size": second.size,
        "root": base64.b64encode(bytes.fromhex(second.root_hash)).decode(),
    }
    feed = client.get(reverse("transparency:checkpoints")).json()
    assert (second.size, second.root_hash) in {(c["size"], c["root"]) for c in feed["checkpoints"]}
    since = document["figures"]["since_start"]
    proxies = since["submissions"]["by_type"]["proxy-service"]
    # Three proxy services received; free text sends them to review, so none published yet.
    assert (proxies["status"], proxies["received"], proxies["published"]) == (
        "published",
        "1-4",
        "0",
    )
    assert since["submissions"]["by_type"]["account-cluster"]["status"] == "withheld"
    assert document["parameters"] == {"min_contributors": 3}


def test_the_minimum_of_members_is_the_policys_smallest_statistic_minimum(baseline_policy):
    # The baseline asks 5 members for one statistic and 4 for the other.
    assert min_contributors() == 4


def test_pdf_is_a_pdf(client, shared_log):
    response = client.get(reverse("transparency:report_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_quarter_page_shows_that_quarter_and_unknown_quarters_are_404(client, shared_log):
    signed = client.get(reverse("transparency:report_json")).json()
    quarter = signed["report"]["figures"]["quarters"][-1]["quarter"]
    response = client.get(reverse("transparency:quarter", args=[quarter]))
    assert response.status_code == 200
    assert f"Transparency report: {quarter}" in response.content.decode()
    assert client.get("/transparency/1999-Q1/").status_code == 404
    assert client.get("/transparency/2026-Q7/").status_code == 404


def test_before_any_checkpoint_the_page_says_so_and_json_is_404(client, db):
    response = client.get(reverse("transparency:report"))
    assert response.status_code == 200
    assert 'data-testid="no-report"' in response.content.decode()
    assert client.get(reverse("transparency:report_json")).status_code == 404
    assert client.get(reverse("transparency:report_pdf")).status_code == 404


def test_a_new_checkpoint_gives_a_new_report(client, shared_log, users):
    from tests.audit.helpers import append

    before = client.get(reverse("transparency:report_json")).json()
    append(2)
    audit_checkpoint_create()
    after = client.get(reverse("transparency:report_json")).json()
    assert after["report"]["checkpoint"]["size"] > before["report"]["checkpoint"]["size"]


def test_the_scheduled_task_computes_the_report_readers_then_get_from_the_cache(
    client, shared_log, django_assert_max_num_queries
):
    from transparency.tasks import transparency_report_task

    _, second = shared_log
    assert transparency_report_task() == second.size
    # Served from the cache: the checkpoint and the policy are read, never the log's events.
    with django_assert_max_num_queries(3):
        assert client.get(reverse("transparency:report_json")).status_code == 200


def test_the_task_does_nothing_before_any_checkpoint(db):
    from transparency.tasks import transparency_report_task

    assert transparency_report_task() is None
