"""Submission pages: the type-driven form with preview, list, detail, withdraw and watchlist."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from audit.models import AuditEvent
from sharing.core import scanning
from sharing.models import Submission, WatchlistTerm
from sharing.services.intake import submission_create
from tests.sharing.fixtures import PRICE_SENTENCE, PROXY_SERVICE


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def submit(user, org):
    return submission_create(
        actor=user,
        organization=org,
        indicator_type="proxy-service",
        payload=dict(PROXY_SERVICE),
        source="ui",
    )


def form_data(action: str, **fields) -> dict:
    return {
        "type": "proxy-service",
        "client_reference": "ui-test-1",
        "action": action,
        **{k: v for k, v in PROXY_SERVICE.items()},
        **fields,
    }


@pytest.mark.django_db
class TestForm:
    def test_form_follows_the_chosen_type(self, client_for, users, baseline_policy):
        page = client_for(users["analyst"]).get("/submissions/new/?type=account-cluster")
        html = page.content.decode()
        assert page.status_code == 200
        assert 'name="cluster_size"' in html and 'type="number"' in html
        assert '<textarea name="emails"' in html and "One per line." in html
        assert '<select name="detection_method"' in html
        assert 'name="client_reference"' in html

    def test_preview_scrubs_the_price_sentence_and_writes_nothing(
        self, client_for, users, baseline_policy
    ):
        before = (Submission.objects.count(), AuditEvent.objects.count())
        notes = f"Relay seen. {PRICE_SENTENCE}"
        page = client_for(users["analyst"]).post(
            "/submissions/new/", form_data("preview", analyst_notes=notes)
        )
        html = page.content.decode()
        assert page.status_code == 200
        assert "[removed under policy]" in html
        assert '<mark class="flag"' in html
        assert 'value="submit"' in html
        assert (Submission.objects.count(), AuditEvent.objects.count()) == before

    def test_errors_are_inline_and_nothing_is_lost(self, client_for, users, baseline_policy):
        page = client_for(users["analyst"]).post(
            "/submissions/new/",
            form_data("preview", domain="not a domain", service_name="", relay_software="Relayd"),
        )
        html = page.content.decode()
        assert page.status_code == 400
        assert 'data-testid="error-domain"' in html
        assert 'data-testid="error-service_name"' in html
        assert 'value="Relayd"' in html and 'value="not a domain"' in html
        assert Submission.objects.count() == 0

    def test_many_fields_are_one_per_line(self, client_for, users, baseline_policy):
        data = {
            "type": "account-cluster",
            "client_reference": "ui-many",
            "action": "submit",
            "cluster_size": "3",
            "emails": "a1@farm.example\n\n a2@farm.example \n",
            "signup_window_start": "2026-03-01T10:15:00Z",
        }
        response = client_for(users["analyst"]).post("/submissions/new/", data)
        assert response.status_code == 302
        submission = Submission.objects.get(client_reference="ui-many")
        assert submission.payload["emails"] == ["a1@farm.example", "a2@farm.example"]
        assert submission.payload["cluster_size"] == 3

    def test_submit_creates_and_redirects_to_detail(self, client_for, users, baseline_policy):
        client = client_for(users["analyst"])
        response = client.post("/submissions/new/", form_data("submit"))
        submission = Submission.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/submissions/{submission.pk}/"
        assert submission.source == "ui"
        again = client.post("/submissions/new/", form_data("submit"))
        assert again.status_code == 302 and Submission.objects.count() == 1

    def test_legal_reviewer_cannot_open_the_form(self, client_for, users, baseline_policy):
        assert client_for(users["legal_reviewer"]).get("/submissions/new/").status_code == 403


@pytest.mark.django_db
class TestListAndDetail:
    def test_list_shows_own_org_only_with_filters(self, client_for, users, orgs, baseline_policy):
        mine = submit(users["analyst"], orgs["acme"])
        theirs = submit(users["other_analyst"], orgs["globex"])
        client = client_for(users["legal_reviewer"])
        html = client.get("/submissions/").content.decode()
        assert str(mine.pk) in html and str(theirs.pk) not in html
        assert str(mine.pk) not in client.get("/submissions/?state=refused").content.decode()
        assert str(mine.pk) in client.get("/submissions/?type=proxy-service").content.decode()

    def test_detail_shows_both_sides_flags_report_and_history(
        self, client_for, users, orgs, baseline_policy
    ):
        submission = submission_create(
            actor=users["analyst"],
            organization=orgs["acme"],
            indicator_type="proxy-service",
            payload={**PROXY_SERVICE, "analyst_notes": PRICE_SENTENCE},
            source="ui",
        )
        html = client_for(users["analyst"]).get(f"/submissions/{submission.pk}/").content.decode()
        assert '<mark class="flag"' in html
        assert "[removed under policy]" in html
        assert f"detector <code>{scanning.DETECTOR_VERSION}</code>" in html
        # The category is in the report the submitter reads, not in what recipients get.
        assert "scanner flagged price (" in html
        assert 'data-testid="redaction-report"' in html and 'data-testid="history"' in html
        assert 'data-testid="withdraw-form"' in html
        assert AuditEvent.objects.filter(action="submission.original_viewed").count() == 1

    @pytest.mark.parametrize("who", ["other_analyst", "other_legal", "counsel", "regulator"])
    def test_another_orgs_submission_is_404(self, client_for, users, orgs, baseline_policy, who):
        submission = submit(users["analyst"], orgs["acme"])
        client = client_for(users[who])
        assert client.get(f"/submissions/{submission.pk}/").status_code == 404
        response = client.post(f"/submissions/{submission.pk}/withdraw/", {"reason": "x"})
        assert response.status_code == 404

    def test_unknown_id_is_404(self, client_for, users, baseline_policy):
        assert client_for(users["analyst"]).get(f"/submissions/{uuid.uuid4()}/").status_code == 404

    def test_withdraw_from_the_page(self, client_for, users, orgs, baseline_policy):
        submission = submit(users["analyst"], orgs["acme"])
        response = client_for(users["analyst"]).post(
            f"/submissions/{submission.pk}/withdraw/", {"reason": "Duplicate."}
        )
        assert response.status_code == 302
        submission.refresh_from_db()
        assert submission.state == "withdrawn"

    def test_legal_reviewer_sees_no_withdraw_button_and_cannot_withdraw(
        self, client_for, users, orgs, baseline_policy
    ):
        submission = submit(users["analyst"], orgs["acme"])
        client = client_for(users["legal_reviewer"])
        html = client.get(f"/submissions/{submission.pk}/").content.decode()
        assert 'data-testid="withdraw-form"' not in html
        response = client.post(f"/submissions/{submission.pk}/withdraw/", {"reason": "x"})
        assert response.status_code == 403

    def test_navigation_shows_submission_pages_by_role(self, client_for, users, baseline_policy):
        analyst_html = client_for(users["analyst"]).get("/submissions/").content.decode()
        assert 'href="/submissions/new/"' in analyst_html
        assert 'href="/watchlist/"' not in analyst_html
        admin_html = client_for(users["member_admin"]).get("/submissions/").content.decode()
        assert 'href="/watchlist/"' in admin_html


@pytest.mark.django_db
class TestWatchlistPage:
    def test_admin_adds_a_term_shown_only_as_hash_prefix(self, client_for, users, orgs):
        client = client_for(users["member_admin"])
        page = client.get("/watchlist/").content.decode()
        assert 'type="password"' in page
        response = client.post("/watchlist/", {"term": "Contoso Pharma", "category": "customer"})
        assert response.status_code == 302
        row = WatchlistTerm.objects.get()
        html = client.get("/watchlist/").content.decode()
        assert row.term_hash[:12] in html and "Contoso" not in html
        assert row.term_hash not in html

    def test_analyst_and_other_org_cannot_use_it(self, client_for, users, orgs):
        assert client_for(users["analyst"]).get("/watchlist/").status_code == 403
        row_client = client_for(users["member_admin"])
        row_client.post("/watchlist/", {"term": "Nightjar", "category": "roadmap"})
        row = WatchlistTerm.objects.get()
        other = client_for(users["other_admin"])
        assert other.post(f"/watchlist/{row.pk}/remove/").status_code == 404
        assert row.term_hash[:12] not in other.get("/watchlist/").content.decode()

    def test_admin_removes_a_term(self, client_for, users, orgs):
        client = client_for(users["member_admin"])
        client.post("/watchlist/", {"term": "Nightjar", "category": "roadmap"})
        row = WatchlistTerm.objects.get()
        assert client.post(f"/watchlist/{row.pk}/remove/").status_code == 302
        assert WatchlistTerm.objects.count() == 0
